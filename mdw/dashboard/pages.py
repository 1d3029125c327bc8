"""The dashboard's pages: each calls its loader in `queries` (one short read-only connection per
query) and draws what comes back. Nothing here computes a figure; charts are Altair (Vega-Lite,
bundled with Streamlit, so nothing is fetched from the internet) and every chart names its as_of
date and the table it comes from."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from mdw.dashboard import queries
from mdw.dashboard.settings import UNMASK_VARIABLE, DashboardSettings, dashboard_settings

USAGE_TIERS = ["low", "medium", "high"]
LOYALTY_CLASSES = ["national_loyal", "switcher", "store_loyal"]
FUNNEL_STEPS = ["sent", "delivered", "opened", "clicked", "converted"]
WEEKDAYS = {1: "Monday", 2: "Tuesday", 3: "Wednesday", 4: "Thursday", 5: "Friday", 6: "Saturday", 7: "Sunday"}


# --- helpers --------------------------------------------------------------------------------

def _guarded(render: Callable[[DashboardSettings], None]) -> Callable[[], None]:
    """A page that says what is wrong instead of failing: no serving file yet, or a publish
    without a table the page reads."""

    @functools.wraps(render)
    def page() -> None:
        settings = dashboard_settings()
        if not settings.serving.exists():
            st.warning(f"No serving file at `{settings.serving}` yet: run `mdw run` to publish the marts, or "
                       "point the dashboard at one (`mdw dashboard --serving PATH`, or MDW_SERVING).")
            return
        try:
            render(settings)
        except duckdb.Error as error:
            st.error(f"The serving file `{settings.serving}` could not answer this page (is it from an older "
                     f"version of the warehouse?): {str(error).splitlines()[0]}")

    return page


def _header(title: str, publish: dict[str, Any], settings: DashboardSettings) -> None:
    st.title(title)
    if not publish:
        st.warning("The serving file has no publish record (`_publish.run` is empty).")
        return
    st.caption(f"As of **{publish['as_of_date']}** · published {publish['published_at']:%Y-%m-%d %H:%M} UTC by run "
               f"`{publish['run_id']}` · `{settings.serving}` (read-only; refresh the page to see a newer publish)")


def _as_of(publish: dict[str, Any]) -> str:
    return str(publish.get("as_of_date", "unknown date"))


def _title(text: str, publish: dict[str, Any], source: str) -> alt.TitleParams:
    """A chart title that states the as_of date and the table behind the chart."""
    return alt.TitleParams(text, subtitle=f"as of {_as_of(publish)} · {source}", anchor="start")


def _chart(chart: alt.Chart | alt.LayerChart) -> None:
    st.altair_chart(chart, width="stretch")


def _source(publish: dict[str, Any], source: str) -> None:
    st.caption(f"As of {_as_of(publish)} · {source}")


def _no_data(table: str, why: str = "") -> None:
    st.info(f"No data yet: nothing in `{table}` for this chart in this publish. {why}".strip())


def _cny(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.0f} CNY"


def _count(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{int(value):,}"


def _share(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:+.1%}"


# --- pages ----------------------------------------------------------------------------------

@_guarded
def overview(settings: DashboardSettings) -> None:
    data = queries.load_overview(settings.serving)
    publish = data["publish"]
    _header("Overview", publish, settings)
    customers, stages = data["customers"], data["customers"]["stages"]
    st.subheader("Customers")
    columns = st.columns(5)
    columns[0].metric("Customers", _count(customers["customers"]), help="every known person (mart_customer_profile)")
    columns[1].metric("Buyers", _count(customers["buyers"]), help="customers with a standing order")
    for column, stage, label in zip(columns[2:], ("active", "at_risk", "dormant"), ("Active", "At risk", "Dormant"),
                                    strict=True):
        column.metric(label, _count(stages.get(stage, 0)), help=f"lifecycle stage {stage} as of {_as_of(publish)}")
    _source(publish, "mart_customer_profile (lifecycle stage as of the publish date)")

    st.subheader("Revenue and contribution, last 30 days against the 30 before")
    revenue = data["revenue"]
    if revenue.empty or revenue["standing_orders"].sum() == 0:
        _no_data("mart_order_contribution", "(no order in the last 60 days up to as_of)")
    else:
        last, previous = revenue.iloc[0], revenue.iloc[1]
        columns = st.columns(3)
        columns[0].metric("Net revenue", _cny(last["net_revenue_cny"]),
                          delta=f"{_share(last['net_revenue_change_share'])} vs {_cny(previous['net_revenue_cny'])}")
        columns[1].metric("Contribution margin", _cny(last["contribution_margin_cny"]),
                          delta=f"{_share(last['contribution_change_share'])} vs "
                                f"{_cny(previous['contribution_margin_cny'])}")
        columns[2].metric("Standing orders", _count(last["standing_orders"]),
                          delta=f"{_share(last['orders_change_share'])} vs {_count(previous['standing_orders'])}")
        periods = revenue.assign(window=revenue["period"] + " (" + revenue["first_date"].astype(str) + " to "
                                 + revenue["last_date"].astype(str) + ")")
        _chart(alt.Chart(periods, title=_title("Net revenue and contribution margin (CNY)", publish,
                                                "mart_order_contribution"))
               .transform_fold(["net_revenue_cny", "contribution_margin_cny"], as_=["measure", "cny"])
               .mark_bar()
               .encode(y=alt.Y("measure:N", title=None), yOffset="window:N",
                       x=alt.X("cny:Q", title="CNY"), color=alt.Color("window:N", title=None),
                       tooltip=["window:N", "measure:N", alt.Tooltip("cny:Q", format=",.0f")])
               .properties(height=160))

    st.subheader("This publish")
    columns = st.columns(4)
    columns[0].metric("As of", _as_of(publish))
    columns[1].metric("Checks passed", f"{publish.get('checks_passed', 0):,} of {publish.get('checks', 0):,}")
    columns[2].metric("Warnings", _count(publish.get("checks_warned", 0)))
    columns[3].metric("Failed (blocking)", _count(publish.get("checks_failed", 0)))
    st.caption(f"Run `{publish.get('run_id', '–')}`; a publish happens only when every blocking check passed "
               "(`_publish.run`).")
    checks = data["checks"]
    with st.expander(f"Check results ({len(checks):,}; those that did not pass first)"):
        st.dataframe(checks, hide_index=True)


@_guarded
def segments(settings: DashboardSettings) -> None:
    data = queries.load_segments(settings.serving)
    publish = data["publish"]
    _header("Segments", publish, settings)

    rfm = data["rfm"]
    st.subheader("RFM segments")
    if rfm.empty:
        _no_data("mart_customer_profile", "(no customer has an RFM segment)")
    else:
        _chart(alt.Chart(rfm, title=_title("Share of customers and of trailing-12-month net revenue", publish,
                                           "mart_customer_profile"))
               .transform_fold(["customer_share", "revenue_share"], as_=["measure", "share"])
               .mark_bar()
               .encode(y=alt.Y("rfm_segment:N", sort=rfm["rfm_segment"].tolist(), title=None),
                       yOffset="measure:N", x=alt.X("share:Q", axis=alt.Axis(format="%"), title=None),
                       color=alt.Color("measure:N", title=None),
                       tooltip=["rfm_segment:N", "measure:N", alt.Tooltip("share:Q", format=".1%")]))
        st.dataframe(rfm, hide_index=True)

    left, right = st.columns(2)
    with left:
        st.subheader("Lifecycle stages")
        lifecycle = data["lifecycle"]
        if lifecycle.empty:
            _no_data("mart_customer_lifecycle")
        else:
            _chart(alt.Chart(lifecycle, title=_title("Customers per lifecycle stage", publish,
                                                     "mart_customer_lifecycle"))
                   .mark_bar()
                   .encode(y=alt.Y("lifecycle_stage:N", sort=lifecycle["lifecycle_stage"].tolist(), title=None),
                           x=alt.X("customers:Q", title="customers"),
                           tooltip=["lifecycle_stage:N", alt.Tooltip("customers:Q", format=","),
                                    alt.Tooltip("customer_share:Q", format=".1%"),
                                    alt.Tooltip("judged_by_own_rhythm:Q", format=",")]))
    with right:
        st.subheader("Value tiers")
        tiers = data["tiers"]
        if tiers.empty:
            _no_data("mart_customer_value")
        else:
            _chart(alt.Chart(tiers, title=_title("Revenue by value tier (CNY)", publish, "mart_customer_value"))
                   .transform_fold(["revenue_12m_cny", "expected_revenue_cny"], as_=["measure", "cny"])
                   .mark_bar()
                   .encode(y=alt.Y("value_tier:N", sort=tiers["value_tier"].tolist(), title=None),
                           yOffset="measure:N", x=alt.X("cny:Q", title="CNY"),
                           color=alt.Color("measure:N", title=None),
                           tooltip=["value_tier:N", "measure:N", alt.Tooltip("cny:Q", format=",.0f")]))
            st.dataframe(tiers, hide_index=True)

    st.subheader("Brand loyalty grid")
    loyalty = data["loyalty"]
    if loyalty.empty:
        _no_data("mart_customer_brand_loyalty")
    else:
        base = alt.Chart(loyalty, title=_title("Customer × category rows per loyalty class and usage tier", publish,
                                               "mart_customer_brand_loyalty")).encode(
            x=alt.X("usage_tier:N", sort=USAGE_TIERS, title="usage tier"),
            y=alt.Y("loyalty_class:N", sort=LOYALTY_CLASSES, title="loyalty class"))
        heat = base.mark_rect().encode(
            color=alt.Color("customer_categories:Q", title="rows"),
            tooltip=["loyalty_class:N", "usage_tier:N", "store_brand_offer:N",
                     alt.Tooltip("customer_categories:Q", format=","),
                     alt.Tooltip("spend_cny:Q", format=",.0f"), alt.Tooltip("store_brand_share:Q", format=".1%")])
        labels = base.mark_text(baseline="middle").encode(
            text=alt.Text("label:N"), color=alt.value("black")).transform_calculate(
            label="format(datum.customer_categories, ',') + ' · offer ' + datum.store_brand_offer")
        _chart((heat + labels).properties(height=240))


@_guarded
def value_and_risk(settings: DashboardSettings) -> None:
    data = queries.load_value_and_risk(settings.serving)
    publish = data["publish"]
    _header("Value and risk", publish, settings)

    st.subheader("Predicted 12-month value")
    distribution = data["distribution"]
    if distribution.empty:
        _no_data("mart_customer_value", "(the value model made no prediction: see mart_value_model_fit)")
    else:
        bins = distribution.assign(bin_label=[
            f"{lower:,.0f}+" if pd.isna(upper) else f"{lower:,.0f}–{upper:,.0f}"
            for lower, upper in zip(distribution["lower_cny"], distribution["upper_cny"], strict=True)])
        _chart(alt.Chart(bins, title=_title("Customers by expected revenue over the next 12 months (CNY)", publish,
                                            "mart_customer_value"))
               .mark_bar()
               .encode(x=alt.X("bin_label:N", sort=bins["bin_label"].tolist(), title="expected revenue (CNY)"),
                       y=alt.Y("customers:Q"),
                       tooltip=["bin_label:N", alt.Tooltip("customers:Q", format=","),
                                alt.Tooltip("expected_revenue_cny:Q", format=",.0f")]))
        st.caption(f"Equal bins up to the 99th percentile; the last bin holds the top 1%. "
                   f"{_count(distribution['customers_without_prediction'].iloc[0])} customers without a prediction "
                   "(they never bought) are left out.")

    left, right = st.columns(2)
    with left:
        st.subheader("Revenue at risk by segment")
        at_risk = data["at_risk"]
        if at_risk.empty:
            _no_data("mart_customer_profile", "(no at-risk customer with expected revenue)")
        else:
            _chart(alt.Chart(at_risk, title=_title("Expected 12-month revenue of at-risk customers (CNY)", publish,
                                                   "mart_customer_profile"))
                   .mark_bar()
                   .encode(y=alt.Y("rfm_segment:N", sort="-x", title=None),
                           x=alt.X("sum(revenue_at_risk_cny):Q", title="CNY"),
                           color=alt.Color("value_tier:N", sort=["high", "medium", "low"], title="value tier"),
                           tooltip=["rfm_segment:N", "value_tier:N", alt.Tooltip("customers:Q", format=","),
                                    alt.Tooltip("revenue_at_risk_cny:Q", format=",.0f")]))
    with right:
        st.subheader("Declining customers")
        decline = data["decline"]
        if decline.empty:
            _no_data("mart_customer_decline")
        else:
            _chart(alt.Chart(decline, title=_title("Declining buyers per lifecycle stage", publish,
                                                   "mart_customer_decline"))
                   .mark_bar()
                   .encode(y=alt.Y("lifecycle_stage:N", sort=decline["lifecycle_stage"].tolist(), title=None),
                           x=alt.X("declining:Q", title="declining buyers (last 90 days ≤ 70% of the 90 before)"),
                           tooltip=["lifecycle_stage:N", alt.Tooltip("buyers:Q", format=","),
                                    alt.Tooltip("declining:Q", format=","),
                                    alt.Tooltip("declining_revenue_change_cny:Q", format=",.0f"),
                                    alt.Tooltip("reactivation_candidates:Q", format=",")]))
            st.dataframe(decline, hide_index=True)
    declining = data["declining"]
    if not declining.empty:
        with st.expander(f"The {len(declining)} declining customers who lost the most revenue"):
            st.dataframe(declining, hide_index=True)
            _source(publish, "mart_customer_decline (look one up on the Customer lookup page)")

    st.subheader("Value model holdout check")
    holdout = data["holdout"]
    if holdout.empty:
        _no_data("mart_value_model_holdout", "(the calibration fit did not run: see mart_value_model_fit)")
    else:
        groups = holdout[holdout["frequency_group"] != "all"]
        first = holdout.iloc[0]
        _chart(alt.Chart(groups, title=_title(
                   f"Purchase occasions predicted against actual in the {first['holdout_days']} days after "
                   f"{first['calibration_to_date']}, by calibration frequency", publish, "mart_value_model_holdout"))
               .transform_fold(["predicted_purchases", "actual_purchases"], as_=["measure", "occasions"])
               .mark_bar()
               .encode(x=alt.X("frequency_group:N", title="purchase occasions before the holdout"),
                       xOffset="measure:N", y=alt.Y("occasions:Q"), color=alt.Color("measure:N", title=None),
                       tooltip=["frequency_group:N", "measure:N", alt.Tooltip("occasions:Q", format=",.0f"),
                                alt.Tooltip("error_share:Q", format="+.1%")]))
        st.dataframe(holdout, hide_index=True)


@_guarded
def channels(settings: DashboardSettings) -> None:
    data = queries.load_channels(settings.serving)
    publish = data["publish"]
    _header("Channels", publish, settings)

    st.subheader("Acquisition cost against value per new customer")
    cac = data["cac"]
    if cac.empty:
        _no_data("mart_channel_acquisition")
    else:
        points = alt.Chart(cac, title=_title("CAC against contribution to date + predicted 12-month contribution, "
                                             "per new customer (CNY)", publish, "mart_channel_acquisition"))
        _chart(points.mark_circle().encode(
                   x=alt.X("cac_cny:Q", title="cost per acquisition (CNY)"),
                   y=alt.Y("value_per_customer_cny:Q", title="value per new customer (CNY)"),
                   size=alt.Size("new_customers:Q", title="new customers"),
                   color=alt.Color("reporting_channel:N", legend=None),
                   tooltip=["reporting_channel:N", alt.Tooltip("new_customers:Q", format=","),
                            alt.Tooltip("spend_cny:Q", format=",.0f"), alt.Tooltip("cac_cny:Q", format=",.0f"),
                            alt.Tooltip("value_per_customer_cny:Q", format=",.0f"),
                            alt.Tooltip("value_to_cac_ratio:Q", format=".2f")])
               + points.mark_text(align="left", dx=8).encode(x="cac_cny:Q", y="value_per_customer_cny:Q",
                                                              text="reporting_channel:N"))
        st.dataframe(cac, hide_index=True)

    st.subheader("Cohort retention")
    cohorts = data["cohorts"]
    if cohorts.empty:
        _no_data("mart_cohort_retention")
    else:
        options = cohorts["reporting_channel"].drop_duplicates().tolist()
        options = ["all channels", *(o for o in options if o != "all channels")]
        channel = st.selectbox("Reporting channel", options, key="cohort_channel")
        triangle = cohorts[cohorts["reporting_channel"] == channel]
        _chart(alt.Chart(triangle, title=_title(f"Share of each acquisition month's customers active n months later "
                                                f"({channel})", publish, "mart_cohort_retention"))
               .mark_rect()
               .encode(x=alt.X("months_since_acquisition:O", title="months since acquisition"),
                       y=alt.Y("yearmonth(acquisition_month):O", title="acquisition month"),
                       color=alt.Color("retention_share:Q", title="retention", scale=alt.Scale(scheme="blues"),
                                       legend=alt.Legend(format="%")),
                       tooltip=[alt.Tooltip("yearmonth(acquisition_month):O", title="acquisition month"),
                                "months_since_acquisition:O", alt.Tooltip("cohort_customers:Q", format=","),
                                alt.Tooltip("active_customers:Q", format=","),
                                alt.Tooltip("retention_share:Q", format=".1%"), "is_month_complete:N"]))
        st.caption("The last column of each row is the month of as_of, still in progress.")

    st.subheader("Attribution by channel under each model")
    attribution = data["attribution"]
    if attribution.empty:
        _no_data("mart_channel_attribution")
    else:
        measure = st.radio("Measure", ["attributed_conversions", "attributed_contribution_cny", "attributed_revenue_cny"],
                           horizontal=True, key="attribution_measure")
        _chart(alt.Chart(attribution, title=_title(f"{measure} per channel and attribution model", publish,
                                                   "mart_channel_attribution"))
               .mark_bar()
               .encode(x=alt.X("channel:N", title=None), xOffset=alt.XOffset("attribution_model:N",
                                                                             sort=queries.ATTRIBUTION_MODELS),
                       y=alt.Y(f"{measure}:Q"), color=alt.Color("attribution_model:N", sort=queries.ATTRIBUTION_MODELS,
                                                                title="model"),
                       tooltip=["channel:N", "attribution_model:N", alt.Tooltip(f"{measure}:Q", format=",.0f"),
                                alt.Tooltip("spend_cny:Q", format=",.0f"), alt.Tooltip("return_on_spend:Q", format=".2f")]))
        st.caption("Attribution measures correlation, not incrementality: only a control group measures lift "
                   "(Campaigns and audiences).")


@_guarded
def campaigns(settings: DashboardSettings) -> None:
    data = queries.load_campaigns(settings.serving)
    publish = data["publish"]
    _header("Campaigns and audiences", publish, settings)

    st.subheader("Campaign funnel")
    funnel = data["funnel"]
    if funnel.empty:
        _no_data("mart_campaign_performance")
    else:
        names = dict(zip(funnel["campaign_id"], funnel["campaign_name"], strict=True))
        campaign = st.selectbox("Campaign", list(names), format_func=lambda c: f"{c} · {names[c]}", key="campaign")
        chosen = funnel[funnel["campaign_id"] == campaign]
        _chart(alt.Chart(chosen, title=_title(f"Funnel of {campaign} ({names[campaign]})", publish,
                                              "mart_campaign_performance"))
               .transform_fold(FUNNEL_STEPS, as_=["step", "people"])
               .mark_bar()
               .encode(y=alt.Y("step:N", sort=FUNNEL_STEPS, title=None), x=alt.X("people:Q", title="activities"),
                       tooltip=["step:N", alt.Tooltip("people:Q", format=",")])
               .properties(height=200))
        st.dataframe(funnel, hide_index=True)

    st.subheader("Uplift against the control group")
    uplift = data["uplift"]
    if uplift.empty:
        _no_data("mart_campaign_results", "A campaign is measured once its activity comes back from the campaign "
                 "tool through the CRM feed and its response window has begun (docs/audiences.md).")
    else:
        base = alt.Chart(uplift, title=_title("Conversion uplift (treatment − control) with its 95% interval",
                                              publish, "mart_campaign_results"))
        _chart(base.mark_rule().encode(y=alt.Y("campaign_id:N", title=None),
                                       x=alt.X("conversion_uplift_ci_low:Q", title="conversion uplift",
                                               axis=alt.Axis(format="+%")),
                                       x2="conversion_uplift_ci_high:Q")
               + base.mark_point(filled=True, size=80).encode(
                   y="campaign_id:N", x="conversion_uplift:Q",
                   tooltip=["campaign_id:N", "audience_name:N", "channel:N",
                            alt.Tooltip("treatment_members:Q", format=","), alt.Tooltip("control_members:Q", format=","),
                            alt.Tooltip("conversion_uplift:Q", format="+.3f"),
                            alt.Tooltip("conversion_uplift_ci_low:Q", format="+.3f"),
                            alt.Tooltip("conversion_uplift_ci_high:Q", format="+.3f")])
               + alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="zero:Q"))
        st.dataframe(uplift, hide_index=True)

    st.subheader("Audiences: who is selected, who is left out and why")
    audiences = data["audiences"]
    if audiences.empty:
        _no_data("mart_audience_exclusions")
    else:
        rows = audiences.assign(audience=audiences["audience_name"] + " · " + audiences["channel"])
        _chart(alt.Chart(rows, title=_title("Candidates per audience and channel, by outcome", publish,
                                            "mart_audience_exclusions"))
               .mark_bar()
               .encode(y=alt.Y("audience:N", title=None), x=alt.X("customers:Q", title="candidates"),
                       color=alt.Color("outcome:N"),
                       order=alt.Order("is_exclusion:N"),
                       tooltip=["audience_name:N", "channel:N", "outcome:N", alt.Tooltip("customers:Q", format=","),
                                alt.Tooltip("candidates:Q", format=",")]))
        st.dataframe(audiences, hide_index=True)


@_guarded
def satisfaction(settings: DashboardSettings) -> None:
    data = queries.load_satisfaction(settings.serving)
    publish = data["publish"]
    _header("Satisfaction", publish, settings)
    overall = data["overall"]
    if not overall.get("respondents"):
        _no_data("mart_customer_satisfaction", "(nobody has answered a survey)")
        return
    columns = st.columns(4)
    columns[0].metric("NPS", f"{overall['net_promoter_score']:+.1f}", help="latest answer of each respondent")
    columns[1].metric("Respondents", _count(overall["respondents"]))
    columns[2].metric("Promoters / detractors", f"{overall['promoters']:,} / {overall['detractors']:,}")
    columns[3].metric("Average CSAT", "–" if overall["average_csat"] is None else f"{overall['average_csat']:.2f}")
    _source(publish, "mart_customer_satisfaction")

    st.subheader("NPS by segment")
    by_segment = data["by_segment"]
    if by_segment.empty:
        _no_data("mart_nps_by_segment")
    else:
        segment_type = st.radio("Segment", by_segment["segment_type"].drop_duplicates().tolist(), horizontal=True,
                                key="nps_segment_type")
        chosen = by_segment[by_segment["segment_type"] == segment_type]
        _chart(alt.Chart(chosen, title=_title(f"NPS by {segment_type}", publish, "mart_nps_by_segment"))
               .mark_bar()
               .encode(y=alt.Y("segment_value:N", sort="-x", title=None), x=alt.X("net_promoter_score:Q", title="NPS"),
                       color=alt.condition("datum.net_promoter_score >= 0", alt.value("#4c78a8"), alt.value("#e45756")),
                       tooltip=["segment_value:N", alt.Tooltip("respondents:Q", format=","), "promoters:Q",
                                "passives:Q", "detractors:Q", alt.Tooltip("net_promoter_score:Q", format="+.1f")]))

    st.subheader("NPS over time")
    by_month = data["by_month"]
    if by_month.empty:
        _no_data("fct_touchpoints", "(no survey answer up to as_of)")
    else:
        _chart(alt.Chart(by_month, title=_title("NPS of all survey answers per month", publish,
                                                "fct_touchpoints (survey responses)"))
               .mark_line(point=True)
               .encode(x=alt.X("yearmonth(survey_month):O", title="month"), y=alt.Y("net_promoter_score:Q", title="NPS"),
                       tooltip=[alt.Tooltip("yearmonth(survey_month):O", title="month"),
                                alt.Tooltip("respondents:Q", format=","), "promoters:Q", "detractors:Q",
                                alt.Tooltip("net_promoter_score:Q", format="+.1f"), "is_month_complete:N"]))
        st.caption("Each answer counts in its month (a customer answering twice counts twice); the last month may "
                   "be incomplete.")


def _fact(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    return f"{value:,.4g}" if isinstance(value, float) else str(value)


def _facts(title: str, pairs: list[tuple[str, Any]]) -> None:
    st.markdown(f"**{title}**")
    shown = [(label, _fact(value)) for label, value in pairs]
    st.dataframe(pd.DataFrame(shown, columns=["field", "value"]), hide_index=True)


def _customer_card(settings: DashboardSettings, publish: dict[str, Any], customer_key: str) -> None:
    data = queries.load_customer(settings.serving, customer_key, settings.unmask)
    card = data["card"]
    if not card:
        st.info(f"{customer_key} is not in this publish.")
        return
    st.subheader(f"Customer {customer_key}")
    _source(publish, "mart_customer_profile, mart_customer_lifecycle, customer_last_contact, mart_next_best_action")
    left, middle, right = st.columns(3)
    with left:
        _facts("Profile", [
            ("name", card["display_name"]), ("email", card["email"]), ("phone", card["phone"]),
            ("city", card["city"]), ("province", card["province"]),
            ("acquisition channel", card["acquisition_reporting_channel"]), ("cohort month", card["cohort_month"]),
            ("first seen", card["first_seen_at"]), ("marketing consent", card["has_marketing_consent"])])
        _facts("Satisfaction", [("latest NPS", card["latest_nps_score"]), ("NPS class", card["nps_class"]),
                                ("average CSAT", card["average_csat"]), ("surveys", card["survey_count"])])
    with middle:
        _facts("Segments", [
            ("lifecycle stage", card["lifecycle_stage"]), ("RFM segment", card["rfm_segment"]),
            ("RFM cell", card["rfm_cell"]), ("value tier", card["value_tier"]), ("value score", card["value_score"]),
            ("declining", card["is_declining"]), ("reactivation candidate", card["is_reactivation_candidate"]),
            ("judged by own rhythm", card["uses_own_rhythm"]),
            ("usual days between purchases", card["usual_days_between_purchases"])])
        _facts("Value", [
            ("lifetime net revenue", _cny(card["lifetime_net_revenue_cny"])),
            ("trailing 12-month net revenue", _cny(card["trailing_12m_net_revenue_cny"])),
            ("orders", card["order_count"]), ("average order value", _cny(card["average_order_value_cny"])),
            ("probability alive", card["probability_alive"]),
            ("expected purchases, next 12 months", card["expected_purchases"]),
            ("expected revenue, next 12 months", _cny(card["expected_revenue_cny"])),
            ("revenue at risk", _cny(card["revenue_at_risk_cny"])), ("influence score", card["influence_score"])])
    with right:
        _facts("Next best action", [
            ("recommended action", card["recommended_action"]), ("do not contact because", card["do_not_contact_reason"]),
            ("best channel", card["best_channel"]), ("its response rate", card["best_channel_response_rate"]),
            ("best weekday", WEEKDAYS.get(card["best_weekday"], card["best_weekday"])),
            ("best hour (local)", card["best_hour"]), ("next purchase due", card["next_purchase_due_date"]),
            ("next category", card["next_category"]), ("offer", card["offer"]),
            ("next best categories", ", ".join(c for c in (card["next_best_category_1"], card["next_best_category_2"],
                                                            card["next_best_category_3"]) if c) or None)])
        _facts("Last contact", [
            ("last contact", card["last_contact_at"]), ("channel", card["last_contact_channel"]),
            ("source", card["last_contact_source"]), ("type", card["last_contact_type"]),
            ("last campaign", card["last_campaign_id"]), ("its last activity", card["last_campaign_activity_at"]),
            ("furthest step", card["last_campaign_furthest_step"])])

    history = data["history"]
    st.markdown("**Contact history** (every interaction, newest first; `fct_touchpoints`)")
    if history.empty:
        st.info("No interaction recorded for this customer.")
    else:
        total = int(history["interactions"].iloc[0])
        if total > len(history):
            st.caption(f"The newest {len(history):,} of {total:,} interactions.")
        st.dataframe(history.drop(columns="interactions"), hide_index=True)
    left, right = st.columns(2)
    with left:
        st.markdown("**Categories and brand loyalty** (`mart_customer_brand_loyalty`)")
        if data["loyalty"].empty:
            st.info("No standing order in the loyalty window.")
        else:
            st.dataframe(data["loyalty"], hide_index=True)
    with right:
        st.markdown("**Audiences in this publish** (`mart_audience_members`)")
        if data["audiences"].empty:
            st.info("Not selected for any audience in this publish.")
        else:
            st.dataframe(data["audiences"], hide_index=True)


@_guarded
def customer_lookup(settings: DashboardSettings) -> None:
    with queries.one_version(settings.serving):  # the search and the card from one publish
        _lookup(settings)


def _lookup(settings: DashboardSettings) -> None:
    term = st.session_state.get("lookup_term", "") or ""
    data = queries.load_lookup(settings.serving, term, settings.unmask)
    publish = data["publish"]
    _header("Customer lookup", publish, settings)
    st.text_input("Customer key, email or phone", key="lookup_term",
                  placeholder="CUS-…, jane@example.com, +86 138 0013 8000")
    st.caption("Personal data is shown unmasked." if settings.unmask else
               f"Personal data is masked (set {UNMASK_VARIABLE}=1 before `mdw dashboard` to show it).")
    if not term.strip():
        return
    kind, value = queries.classify_search(term)
    matches = data["matches"]
    if value is None:
        st.warning(f"That does not read as a valid {kind.replace('_', ' ')}.")
        return
    if matches.empty:
        st.info(f"No customer with that {kind.replace('_', ' ')} in this publish (exact match on the normalised "
                "value).")
        return
    st.dataframe(matches, hide_index=True)
    keys = matches["customer_key"].tolist()
    customer_key = keys[0] if len(keys) == 1 else st.selectbox("Customer", keys, key="lookup_choice")
    _customer_card(settings, publish, customer_key)


@dataclass(frozen=True)
class PageSpec:
    title: str
    url_path: str
    render: Callable[[], None]


PAGES = [
    PageSpec("Overview", "overview", overview),
    PageSpec("Segments", "segments", segments),
    PageSpec("Value and risk", "value-and-risk", value_and_risk),
    PageSpec("Channels", "channels", channels),
    PageSpec("Campaigns and audiences", "campaigns", campaigns),
    PageSpec("Satisfaction", "satisfaction", satisfaction),
    PageSpec("Customer lookup", "customer-lookup", customer_lookup),
]
