"""Every figure the dashboard shows: SQL on the published serving file, and nothing else.

Each function opens one read-only DuckDB connection for its one query and closes it before it
returns. A publish writes a new file beside the serving file and renames it over it: a read-only
connection never blocks that, and the next query (the next refresh of a page) opens the new file.
Nothing is cached between refreshes for the same reason. Figures are aggregated here, in SQL, from
the published marts; the pages only draw what these functions return.

The page loaders at the end (`load_overview`, ...) are exactly what each page runs, inside
`one_version` (the page's queries share one DuckDB start-up and one publish); `mdw bench dashboard`
times them (`page_loads`), so the recorded figures are the pages' own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from dagster_project.dbt_project import DBT_PROJECT_DIR
from dagster_project.pii import mask_value

# Display order of values the seeds name (lifecycle_stages, the attribution models); a value not
# listed here (a stage a marketer added to the seed) is shown after these, by name.
LIFECYCLE_ORDER = ["prospect", "new", "active", "at_risk", "dormant", "churned"]
ATTRIBUTION_MODELS = ["first_touch", "last_touch", "linear", "position_based", "time_decay", "markov"]
# Columns of personal data the lookup shows; masked with dagster_project.pii unless unmasked.
PII_COLUMNS = ("display_name", "email", "phone", "first_name", "last_name")
# dbt's var default_country_code, for national phone numbers: the lookup normalises as the warehouse did
DEFAULT_COUNTRY_CODE = str(yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
                           ["vars"]["default_country_code"])
CONTACT_HISTORY_LIMIT = 500
DECLINING_LIMIT = 50
VALUE_BINS = 25

Serving = Path | str
Params = Sequence[Any] | Mapping[str, Any]  # positional (?) or named ($name)


def _params(params: Params) -> list[Any] | dict[str, Any]:
    return dict(params) if isinstance(params, Mapping) else list(params)


def _frame(serving: Serving, sql: str, params: Params = ()) -> pd.DataFrame:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql, _params(params)).df()
    finally:
        con.close()


def _row(serving: Serving, sql: str, params: Params = ()) -> dict[str, Any]:
    """The first row as a dict ({} when there is none)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        cursor = con.execute(sql, _params(params))
        row = cursor.fetchone()
        columns = [d[0] for d in cursor.description]
    finally:
        con.close()
    return dict(zip(columns, row, strict=True)) if row else {}


# --- the publish ----------------------------------------------------------------------------

_CHECKS = """
    checks as (
        select unnest(cast(check_results as json[])) as result from _publish.run
    ),

    results as (
        select
            json_extract_string(result, '$.asset') as asset,
            json_extract_string(result, '$.check') as check_name,
            json_extract_string(result, '$.severity') as severity,
            cast(json_extract(result, '$.passed') as boolean) as passed
        from checks
    )
"""


def publish_run(serving: Serving) -> dict[str, Any]:
    """Which run published the file, when, as of which date, and how its checks ended."""
    return _row(serving, f"""
        with {_CHECKS},

        check_counts as (
            select
                count(*) as checks,
                count(*) filter (where passed) as checks_passed,
                count(*) filter (where not passed and severity = 'WARN') as checks_warned,
                count(*) filter (where not passed and severity <> 'WARN') as checks_failed
            from results
        )

        select run.run_id, run.published_at, run.as_of_date, check_counts.*
        from _publish.run as run
        cross join check_counts
    """)


def check_results(serving: Serving) -> pd.DataFrame:
    """The checks of the publishing run, those that did not pass first."""
    return _frame(serving, f"""
        with {_CHECKS}

        select asset, check_name, severity, passed
        from results
        order by passed, asset, check_name
    """)


# --- overview -------------------------------------------------------------------------------

def customer_counts(serving: Serving) -> dict[str, Any]:
    """Customers (every known person), buyers, and customers per lifecycle stage as of the publish."""
    frame = _frame(serving, """
        select
            lifecycle_stage,
            grouping(lifecycle_stage) as is_total,
            count(*) as customers,
            count(first_order_date) as buyers
        from mart_customer_profile
        group by rollup (lifecycle_stage)
    """)
    total = frame[frame["is_total"] == 1]
    stages = frame[frame["is_total"] == 0]
    return {"customers": int(total["customers"].sum()), "buyers": int(total["buyers"].sum()),
            "stages": {str(stage): int(n) for stage, n in zip(stages["lifecycle_stage"], stages["customers"],
                                                             strict=True)}}


def revenue_30_days(serving: Serving) -> pd.DataFrame:
    """Net revenue, contribution margin and standing orders of the last 30 days up to as_of,
    (as_of - 30, as_of], then of the 30 days before, (as_of - 60, as_of - 30]; the first row also
    carries its change against the second (a share: +0.1 is 10% more)."""
    return _frame(serving, """
        with run as (
            select as_of_date from _publish.run
        ),

        periods as (
            select 'last 30 days' as period, as_of_date - 29 as first_date, as_of_date as last_date
            from run
            union all
            select 'previous 30 days', as_of_date - 59, as_of_date - 30
            from run
        ),

        orders as (
            select order_date, is_cancelled_or_refunded, net_revenue_cny, contribution_margin_cny
            from mart_order_contribution
            where order_date > (select as_of_date - 60 from run) and order_date <= (select as_of_date from run)
        ),

        totals as (
            select
                periods.period,
                periods.first_date,
                periods.last_date,
                count(orders.order_date) filter (where not orders.is_cancelled_or_refunded) as standing_orders,
                cast(coalesce(sum(orders.net_revenue_cny), 0) as double) as net_revenue_cny,
                cast(coalesce(sum(orders.contribution_margin_cny), 0) as double) as contribution_margin_cny
            from periods
            left join orders
                on orders.order_date between periods.first_date and periods.last_date
            group by all
        )

        select
            *,
            standing_orders / nullif(lead(standing_orders) over latest_first, 0) - 1 as orders_change_share,
            net_revenue_cny / nullif(lead(net_revenue_cny) over latest_first, 0) - 1 as net_revenue_change_share,
            contribution_margin_cny / nullif(lead(contribution_margin_cny) over latest_first, 0) - 1
                as contribution_change_share
        from totals
        window latest_first as (order by last_date desc)
        order by last_date desc
    """)


# --- segments -------------------------------------------------------------------------------

def rfm_segments(serving: Serving) -> pd.DataFrame:
    """RFM segments: customers and trailing-12-month net revenue, each with its share."""
    return _frame(serving, """
        with segments as (
            select
                rfm_segment,
                count(*) as customers,
                cast(sum(trailing_12m_net_revenue_cny) as double) as revenue_12m_cny,
                avg(recency_days) as average_recency_days,
                avg(frequency) as average_frequency,
                cast(avg(monetary_cny) as double) as average_monetary_cny
            from mart_customer_profile
            where rfm_segment is not null
            group by rfm_segment
        )

        select
            *,
            customers / sum(customers) over () as customer_share,
            revenue_12m_cny / nullif(sum(revenue_12m_cny) over (), 0) as revenue_share
        from segments
        order by revenue_12m_cny desc, rfm_segment
    """)


def lifecycle_funnel(serving: Serving) -> pd.DataFrame:
    """Customers per lifecycle stage in stage order, and how many are judged by their own rhythm."""
    return _frame(serving, """
        select
            lifecycle_stage,
            count(*) as customers,
            count(*) filter (where uses_own_rhythm) as judged_by_own_rhythm,
            count(*) / sum(count(*)) over () as customer_share
        from mart_customer_lifecycle
        group by lifecycle_stage
        order by coalesce(list_position(?, lifecycle_stage), 1000), lifecycle_stage
    """, [LIFECYCLE_ORDER])


def brand_loyalty_grid(serving: Serving) -> pd.DataFrame:
    """Customer x category rows per loyalty class and usage tier, with the store-brand offer."""
    return _frame(serving, """
        select
            loyalty_class,
            usage_tier,
            store_brand_offer,
            count(*) as customer_categories,
            cast(sum(spend_cny) as double) as spend_cny,
            cast(sum(store_brand_spend_cny) / nullif(sum(spend_cny), 0) as double) as store_brand_share
        from mart_customer_brand_loyalty
        group by all
        order by loyalty_class, usage_tier
    """)


def value_tiers(serving: Serving) -> pd.DataFrame:
    """Customers, revenue and predicted revenue per value tier, highest tier first."""
    return _frame(serving, """
        select
            value_tier,
            count(*) as customers,
            cast(sum(trailing_12m_net_revenue_cny) as double) as revenue_12m_cny,
            sum(expected_revenue_cny) as expected_revenue_cny,
            cast(avg(influence_score) as double) as average_influence_score,
            cast(min(value_score) as double) as lowest_value_score
        from mart_customer_value
        group by value_tier
        order by lowest_value_score desc
    """)


# --- value and risk -------------------------------------------------------------------------

def predicted_value_distribution(serving: Serving, bins: int = VALUE_BINS) -> pd.DataFrame:
    """Customers by predicted revenue over the next 12 months (the value model's expected
    revenue): equal bins up to the 99th percentile, the top 1% in the last bin (no upper bound)."""
    return _frame(serving, """
        with predicted as (
            select expected_revenue_cny as expected_revenue
            from mart_customer_value
            where expected_revenue_cny is not null
        ),

        bounds as (
            select greatest(quantile_cont(expected_revenue, 0.99), 1) / ($bins - 1) as width
            from predicted
        ),

        binned as (
            select
                least(cast(floor(predicted.expected_revenue / bounds.width) as integer), $bins - 1) as bin,
                predicted.expected_revenue
            from predicted
            cross join bounds
        )

        select
            binned.bin,
            binned.bin * bounds.width as lower_cny,
            case when binned.bin < $bins - 1 then (binned.bin + 1) * bounds.width end as upper_cny,
            count(*) as customers,
            sum(binned.expected_revenue) as expected_revenue_cny,
            (select count(*) from mart_customer_value where expected_revenue_cny is null)
                as customers_without_prediction
        from binned
        cross join bounds
        group by all
        order by binned.bin
    """, {"bins": bins})


def revenue_at_risk(serving: Serving) -> pd.DataFrame:
    """Revenue at risk (expected 12-month revenue of at-risk customers) by RFM segment and value tier."""
    return _frame(serving, """
        select
            coalesce(rfm_segment, 'no segment') as rfm_segment,
            value_tier,
            count(*) as customers,
            sum(revenue_at_risk_cny) as revenue_at_risk_cny
        from mart_customer_profile
        where revenue_at_risk_cny > 0
        group by all
        order by revenue_at_risk_cny desc
    """)


def decline_summary(serving: Serving) -> pd.DataFrame:
    """Per lifecycle stage: buyers, declining buyers and their revenue change (last 90 days against
    the 90 before), reactivation candidates, revenue at risk."""
    return _frame(serving, """
        select
            lifecycle_stage,
            count(*) as buyers,
            count(*) filter (where is_declining) as declining,
            cast(coalesce(sum(net_revenue_change_cny) filter (where is_declining), 0) as double)
                as declining_revenue_change_cny,
            count(*) filter (where is_reactivation_candidate) as reactivation_candidates,
            sum(revenue_at_risk_cny) as revenue_at_risk_cny
        from mart_customer_decline
        group by lifecycle_stage
        order by coalesce(list_position(?, lifecycle_stage), 1000), lifecycle_stage
    """, [LIFECYCLE_ORDER])


def declining_customers(serving: Serving, limit: int = DECLINING_LIMIT) -> pd.DataFrame:
    """The declining customers who lost the most revenue (no personal data: keys only)."""
    return _frame(serving, """
        select
            customer_key,
            lifecycle_stage,
            cast(prior_order_count as bigint) as prior_orders,
            cast(recent_order_count as bigint) as recent_orders,
            cast(prior_net_revenue_cny as double) as prior_net_revenue_cny,
            cast(recent_net_revenue_cny as double) as recent_net_revenue_cny,
            cast(net_revenue_change_cny as double) as net_revenue_change_cny,
            cast(net_revenue_drop_share as double) as net_revenue_drop_share,
            revenue_at_risk_cny
        from mart_customer_decline
        where is_declining
        order by net_revenue_change_cny, customer_key
        limit ?
    """, [limit])


def value_model_holdout(serving: Serving) -> pd.DataFrame:
    """The value model's holdout check: purchase occasions predicted by the calibration fit against
    those that happened, per calibration frequency group (and 'all')."""
    return _frame(serving, """
        with calibration as (
            select observed_to_date, holdout_days
            from mart_value_model_fit
            where fit = 'calibration'
        )

        select
            holdout.frequency_group,
            holdout.customers,
            holdout.predicted_purchases,
            holdout.actual_purchases,
            holdout.error_share,
            calibration.observed_to_date as calibration_to_date,
            calibration.holdout_days
        from mart_value_model_holdout as holdout
        left join calibration
            on true
        order by holdout.frequency_group
    """)


# --- channels -------------------------------------------------------------------------------

def channel_cac_value(serving: Serving) -> pd.DataFrame:
    """Per reporting channel: new customers, spend, CAC, and value per new customer (contribution
    to date plus predicted 12-month contribution), as in docs/channels.md."""
    return _frame(serving, """
        with channels as (
            select
                reporting_channel,
                sum(new_customers) as new_customers,
                sum(spend_cny) as spend_cny,
                cast(sum(contribution_to_date_cny) as double) as contribution_to_date_cny,
                sum(coalesce(predicted_12m_contribution_cny, 0)) as predicted_12m_contribution_cny
            from mart_channel_acquisition
            group by reporting_channel
        )

        select
            reporting_channel,
            new_customers,
            spend_cny,
            spend_cny / nullif(new_customers, 0) as cac_cny,
            contribution_to_date_cny / nullif(new_customers, 0) as contribution_to_date_per_customer_cny,
            (contribution_to_date_cny + predicted_12m_contribution_cny) / nullif(new_customers, 0)
                as value_per_customer_cny,
            (contribution_to_date_cny + predicted_12m_contribution_cny) / nullif(spend_cny, 0) as value_to_cac_ratio
        from channels
        order by new_customers desc, reporting_channel
    """)


def cohort_retention(serving: Serving) -> pd.DataFrame:
    """The cohort triangle per reporting channel and over all channels ('all channels'): share of
    an acquisition month's customers active n months later."""
    return _frame(serving, """
        select
            case when grouping(reporting_channel) = 1 then 'all channels' else reporting_channel end
                as reporting_channel,
            acquisition_month,
            months_since_acquisition,
            bool_and(is_month_complete) as is_month_complete,
            sum(cohort_customers) as cohort_customers,
            sum(active_customers) as active_customers,
            sum(active_customers) / nullif(sum(cohort_customers), 0) as retention_share
        from mart_cohort_retention
        group by grouping sets (
            (acquisition_month, months_since_acquisition, reporting_channel),
            (acquisition_month, months_since_acquisition)
        )
        order by reporting_channel, acquisition_month, months_since_acquisition
    """)


def channel_attribution(serving: Serving) -> pd.DataFrame:
    """Attributed conversions, revenue and contribution per channel under each attribution model."""
    return _frame(serving, """
        select
            channel,
            attribution_model,
            attributed_conversions,
            attributed_revenue_cny,
            attributed_contribution_cny,
            spend_cny,
            return_on_spend
        from mart_channel_attribution
        order by channel, coalesce(list_position(?, attribution_model), 1000), attribution_model
    """, [ATTRIBUTION_MODELS])


# --- campaigns and audiences ----------------------------------------------------------------

def campaign_funnel(serving: Serving) -> pd.DataFrame:
    """Per campaign: the funnel counts and rates, spend, and the primary model's cost and return."""
    return _frame(serving, """
        select
            campaign_id,
            campaign_name,
            channel,
            objective,
            start_date,
            end_date,
            cast(sent_count as bigint) as sent,
            cast(delivered_count as bigint) as delivered,
            cast(opened_count as bigint) as opened,
            cast(clicked_count as bigint) as clicked,
            cast(converted_count as bigint) as converted,
            cast(unsubscribed_count as bigint) as unsubscribed,
            cast(bounced_count as bigint) as bounced,
            delivery_rate,
            open_rate,
            click_rate,
            conversion_rate,
            spend_cny,
            primary_attribution_model,
            cost_per_attributed_conversion_cny,
            return_on_spend
        from mart_campaign_performance
        order by start_date desc, campaign_id
    """)


def campaign_uplift(serving: Serving) -> pd.DataFrame:
    """Measured campaigns: treatment against control conversion, uplift and its 95% interval."""
    return _frame(serving, """
        select
            campaign_id,
            audience_name,
            channel,
            audience_as_of_date,
            first_send_date,
            response_window_days,
            treatment_members,
            control_members,
            cast(treatment_converters as bigint) as treatment_converters,
            cast(control_converters as bigint) as control_converters,
            treatment_conversion_rate,
            control_conversion_rate,
            conversion_uplift,
            conversion_uplift_ci_low,
            conversion_uplift_ci_high,
            treatment_revenue_per_member_cny,
            control_revenue_per_member_cny
        from mart_campaign_results
        order by first_send_date desc, campaign_id
    """)


def audience_outcomes(serving: Serving) -> pd.DataFrame:
    """Per audience and channel, every candidate's outcome: selected (treatment, control) or the
    reason for leaving them out; `candidates` is their sum."""
    return _frame(serving, """
        select
            exclusions.audience_name,
            exclusions.channel,
            definitions.priority,
            exclusions.outcome,
            exclusions.is_exclusion,
            exclusions.customers,
            sum(exclusions.customers) over (partition by exclusions.audience_name, exclusions.channel) as candidates
        from mart_audience_exclusions as exclusions
        left join mart_audience_definitions as definitions
            on exclusions.audience_name = definitions.audience_name and exclusions.channel = definitions.channel
        order by exclusions.audience_name, exclusions.channel, exclusions.is_exclusion, exclusions.customers desc
    """)


# --- satisfaction ---------------------------------------------------------------------------

def nps_overall(serving: Serving) -> dict[str, Any]:
    """NPS over every respondent's latest answer, and their average CSAT."""
    return _row(serving, """
        select
            count(*) as respondents,
            count(*) filter (where nps_class = 'promoter') as promoters,
            count(*) filter (where nps_class = 'passive') as passives,
            count(*) filter (where nps_class = 'detractor') as detractors,
            round(100.0 * (count(*) filter (where nps_class = 'promoter')
                - count(*) filter (where nps_class = 'detractor')) / nullif(count(*), 0), 1) as net_promoter_score,
            cast(avg(average_csat) as double) as average_csat
        from mart_customer_satisfaction
        where latest_nps_score is not null
    """)


def nps_by_segment(serving: Serving) -> pd.DataFrame:
    """NPS by RFM segment, lifecycle stage and acquisition channel (latest answer per customer)."""
    return _frame(serving, """
        select
            segment_type,
            segment_value,
            respondents,
            cast(promoters as bigint) as promoters,
            cast(passives as bigint) as passives,
            cast(detractors as bigint) as detractors,
            cast(net_promoter_score as double) as net_promoter_score
        from mart_nps_by_segment
        order by segment_type, respondents desc, segment_value
    """)


def nps_by_month(serving: Serving) -> pd.DataFrame:
    """NPS of every survey answer per month up to as_of (fct_touchpoints' survey responses carry the
    NPS answer). Class limits: the defaults of dbt's vars nps_promoter_min (9) and nps_passive_min
    (7), moved where mart_customer_satisfaction's own classes show other limits (a promoter below 9,
    a non-promoter at 9 or more; likewise for detractors and 7), so both pages classify alike."""
    return _frame(serving, """
        with run as (
            select as_of_date from _publish.run
        ),

        classes as (
            select
                min(latest_nps_score) filter (where nps_class = 'promoter') as lowest_promoter,
                max(latest_nps_score) filter (where nps_class <> 'promoter') as highest_other_than_promoter,
                max(latest_nps_score) filter (where nps_class = 'detractor') as highest_detractor,
                min(latest_nps_score) filter (where nps_class <> 'detractor') as lowest_other_than_detractor
            from mart_customer_satisfaction
        ),

        limits as (
            select
                case
                    when lowest_promoter < 9 then lowest_promoter
                    when highest_other_than_promoter >= 9 then highest_other_than_promoter + 1
                    else 9
                end as promoter_min,
                case
                    when highest_detractor >= 7 then highest_detractor + 1
                    when lowest_other_than_detractor < 7 then lowest_other_than_detractor
                    else 7
                end as passive_min
            from classes
        ),

        answers as (
            select
                cast(date_trunc('month', touchpoints.occurred_at) as date) as survey_month,
                touchpoints.touchpoint_value as nps_score
            from fct_touchpoints as touchpoints
            where touchpoints.source = 'survey'
                and touchpoints.touchpoint_value is not null
                and touchpoints.occurred_at < (select as_of_date + 1 from run)
        ),

        months as (
            select
                answers.survey_month,
                count(*) as respondents,
                count(*) filter (where answers.nps_score >= limits.promoter_min) as promoters,
                count(*) filter (where answers.nps_score < limits.passive_min) as detractors
            from answers
            cross join limits
            group by answers.survey_month
        )

        select
            months.survey_month,
            months.respondents,
            months.promoters,
            months.detractors,
            round(100.0 * (months.promoters - months.detractors) / months.respondents, 1) as net_promoter_score,
            months.survey_month + interval 1 month <= run.as_of_date + 1 as is_month_complete
        from months
        cross join run
        order by months.survey_month
    """)


# --- customer lookup ------------------------------------------------------------------------

_EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$")


def normalise_email(value: str) -> str | None:
    """As dbt's macro normalize_email: trimmed, lower-cased, None unless it looks like an address."""
    email = value.strip().lower()
    return email if _EMAIL.match(email) else None


def normalise_phone(value: str, country_code: str = DEFAULT_COUNTRY_CODE) -> str | None:
    """As dbt's macro normalize_phone: E.164 (+8613800138000) from any of the contract's formats."""
    digits = re.sub(r"[^0-9]", "", value)
    if value.lstrip().startswith("+"):
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if digits.startswith("00"):
        return "+" + digits[2:] if 10 <= len(digits) <= 17 else None
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{country_code}{digits}"
    if digits.startswith(country_code) and 9 + len(country_code) <= len(digits) <= 11 + len(country_code):
        return "+" + digits
    return None


def classify_search(term: str) -> tuple[str, str | None]:
    """What a search term is: ('email', normalised), ('phone', normalised) or ('customer_key', as typed)."""
    term = term.strip()
    if "@" in term:
        return "email", normalise_email(term)
    if re.fullmatch(r"[+\d\s().-]+", term) and sum(c.isdigit() for c in term) >= 7:
        return "phone", normalise_phone(term)
    return "customer_key", term or None


def _mask(record: dict[str, Any], unmask: bool) -> dict[str, Any]:
    if unmask:
        return record
    return {column: mask_value(column, value) if column in PII_COLUMNS else value for column, value in record.items()}


def _mask_frame(frame: pd.DataFrame, unmask: bool) -> pd.DataFrame:
    if unmask:
        return frame
    masked = frame.copy()
    for column in (c for c in masked.columns if c in PII_COLUMNS):
        masked[column] = [mask_value(column, value) for value in masked[column].tolist()]
    return masked


def find_customers(serving: Serving, term: str, unmask: bool = False, limit: int = 20) -> pd.DataFrame:
    """Customers whose key, email or phone is the search term. The marts carry addresses, not their
    hashes, so the match is exact on the normalised value (as the warehouse normalises it); a key
    replaced by a merge or split is followed to its current key(s) through customer_key_history.
    Personal columns come back masked unless `unmask`."""
    kind, value = classify_search(term)
    columns = """
        profile.customer_key, profile.display_name, profile.email, profile.phone, profile.city,
        profile.province, profile.lifecycle_stage, profile.rfm_segment, profile.value_tier"""
    if value is None:
        return pd.DataFrame(columns=[c.strip().removeprefix("profile.") for c in columns.split(",")] + ["matched_by"])
    if kind == "customer_key":
        sql = f"""
            with recursive keys (customer_key, steps) as (
                select cast(? as varchar), 0
                union all
                select history.new_customer_key, keys.steps + 1
                from keys
                inner join customer_key_history as history
                    on history.old_customer_key = keys.customer_key
                where keys.steps < 20
            )

            select {columns}, case when min(keys.steps) = 0 then 'customer key' else 'former customer key' end
                as matched_by
            from mart_customer_profile as profile
            inner join keys
                on profile.customer_key = keys.customer_key
            group by all
            order by profile.customer_key
            limit ?
        """
    else:
        sql = f"""
            select {columns}, '{kind}' as matched_by
            from mart_customer_profile as profile
            where profile.{kind} = ?
            order by profile.customer_key
            limit ?
        """
    return _mask_frame(_frame(serving, sql, [value, limit]), unmask)


CATEGORY_COLUMNS = ["category", "units", "spend_cny", "store_brand_share", "loyalty_class", "usage_tier",
                    "store_brand_offer"]
AUDIENCE_COLUMNS = ["audience_name", "channel", "is_control_group", "contact_point_type", "priority",
                    "selected_because"]


def customer_card(serving: Serving, customer_key: str, unmask: bool = False) -> dict[str, Any]:
    """One customer's 360 card in one query: profile, segments, value, last contact, the next best
    action, and two lists: `categories` (spend, store-brand share, loyalty class, usage tier and
    offer per category bought) and `audiences` (those the customer is selected for in this publish,
    without the contact point). {} when the key is not in the publish."""
    record = _row(serving, """
        with profile as (
            select * from mart_customer_profile where customer_key = $key
        ),

        last_contact as (
            select * from customer_last_contact where customer_key = $key
        ),

        next_best_action as (
            select * from mart_next_best_action where customer_key = $key
        ),

        lifecycle as (
            select * from mart_customer_lifecycle where customer_key = $key
        ),

        categories as (
            select list(struct_pack(
                category := category,
                units := cast(units as bigint),
                spend_cny := cast(spend_cny as double),
                store_brand_share := cast(store_brand_share as double),
                loyalty_class := loyalty_class,
                usage_tier := usage_tier,
                store_brand_offer := store_brand_offer
            ) order by spend_cny desc, category) as categories
            from mart_customer_brand_loyalty
            where customer_key = $key
        ),

        audiences as (
            select list(struct_pack(
                audience_name := audience_name,
                channel := channel,
                is_control_group := is_control_group,
                contact_point_type := contact_point_type,
                priority := priority,
                selected_because := selected_because
            ) order by priority, audience_name, channel) as audiences
            from mart_audience_members
            where customer_key = $key
        )

        select
            profile.*,
            lifecycle.usual_days_between_purchases,
            lifecycle.uses_own_rhythm,
            last_contact.last_contact_source,
            last_contact.last_contact_type,
            last_contact.last_campaign_id,
            last_contact.last_campaign_activity_at,
            last_contact.last_campaign_furthest_step,
            next_best_action.recommended_action,
            next_best_action.do_not_contact_reason,
            next_best_action.best_channel,
            next_best_action.best_channel_response_rate,
            next_best_action.best_weekday,
            next_best_action.best_hour,
            next_best_action.next_category,
            next_best_action.offer,
            next_best_action.promo_order_share,
            categories.categories,
            audiences.audiences
        from profile
        cross join categories
        cross join audiences
        left join lifecycle
            on profile.customer_key = lifecycle.customer_key
        left join last_contact
            on profile.customer_key = last_contact.customer_key
        left join next_best_action
            on profile.customer_key = next_best_action.customer_key
    """, {"key": customer_key})
    return _mask(record, unmask)


def customer_contact_history(serving: Serving, customer_key: str, limit: int = CONTACT_HISTORY_LIMIT) -> pd.DataFrame:
    """Every interaction of the customer (orders, campaign activity, social, surveys), newest first;
    `interactions` is the full count when the list stops at `limit`."""
    return _frame(serving, """
        with touchpoints as (
            select * from fct_touchpoints where customer_key = ?
        ),

        campaigns as (
            select campaign_id, campaign_name from mart_campaign_performance
        )

        select
            touchpoints.occurred_at,
            touchpoints.source,
            touchpoints.channel,
            touchpoints.touchpoint_type,
            touchpoints.campaign_id,
            campaigns.campaign_name,
            cast(touchpoints.touchpoint_value as double) as touchpoint_value,
            count(*) over () as interactions
        from touchpoints
        left join campaigns
            on touchpoints.campaign_id = campaigns.campaign_id
        order by touchpoints.occurred_at desc, touchpoints.touchpoint_id
        limit ?
    """, [customer_key, limit])


# --- what each page runs --------------------------------------------------------------------

@contextmanager
def one_version(serving: Serving) -> Iterator[None]:
    """Keep the file's DuckDB instance open while a page runs its queries. Each query still opens
    and closes its own read-only connection, but DuckDB hands it the open instance: no start-up cost
    per query (about 30 ms each here), and every figure of the page comes from the same publish even
    if a new one is renamed over the file meanwhile. Closed as soon as the page has its figures, so
    the next refresh opens the newest publish; a publish is never blocked (read-only, and the rename
    leaves the open file to its readers)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        yield
    finally:
        con.close()


def load_overview(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "customers": customer_counts(serving),
                "revenue": revenue_30_days(serving), "checks": check_results(serving)}


def load_segments(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "rfm": rfm_segments(serving), "lifecycle": lifecycle_funnel(serving),
                "loyalty": brand_loyalty_grid(serving), "tiers": value_tiers(serving)}


def load_value_and_risk(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "distribution": predicted_value_distribution(serving),
                "at_risk": revenue_at_risk(serving), "decline": decline_summary(serving),
                "declining": declining_customers(serving), "holdout": value_model_holdout(serving)}


def load_channels(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "cac": channel_cac_value(serving), "cohorts": cohort_retention(serving),
                "attribution": channel_attribution(serving)}


def load_campaigns(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "funnel": campaign_funnel(serving), "uplift": campaign_uplift(serving),
                "audiences": audience_outcomes(serving)}


def load_satisfaction(serving: Serving) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "overall": nps_overall(serving), "by_segment": nps_by_segment(serving),
                "by_month": nps_by_month(serving)}


def load_lookup(serving: Serving, term: str, unmask: bool = False) -> dict[str, Any]:
    with one_version(serving):
        return {"publish": publish_run(serving), "matches": find_customers(serving, term, unmask)}


def load_customer(serving: Serving, customer_key: str, unmask: bool = False) -> dict[str, Any]:
    with one_version(serving):
        card = customer_card(serving, customer_key, unmask)
        return {"card": card, "history": customer_contact_history(serving, customer_key),
                "loyalty": pd.DataFrame(card.get("categories") or [], columns=CATEGORY_COLUMNS),
                "audiences": pd.DataFrame(card.get("audiences") or [], columns=AUDIENCE_COLUMNS)}


def sample_search_term(serving: Serving) -> str:
    """A search term for the lookup's benchmark: the email of the customer with the most orders
    (the longest contact history), else their key."""
    row = _row(serving, """
        select customer_key, email
        from mart_customer_profile
        order by order_count desc nulls last, email is null, customer_key
        limit 1
    """)
    return row.get("email") or row.get("customer_key") or "nobody@example.com"


def _lookup_page(serving: Serving, term: str) -> dict[str, Any]:
    with one_version(serving):  # as the page: the search and the card from one publish
        found = load_lookup(serving, term)
        keys = found["matches"]["customer_key"].tolist()
        return {**found, **(load_customer(serving, keys[0]) if keys else {})}


def page_loads(serving: Serving, search_term: str) -> dict[str, Callable[[], dict[str, Any]]]:
    """Every page's queries as one call each, in the app's page order (the lookup: a search by
    `search_term` and the card of the first customer found)."""
    return {
        "Overview": lambda: load_overview(serving),
        "Segments": lambda: load_segments(serving),
        "Value and risk": lambda: load_value_and_risk(serving),
        "Channels": lambda: load_channels(serving),
        "Campaigns and audiences": lambda: load_campaigns(serving),
        "Satisfaction": lambda: load_satisfaction(serving),
        "Customer lookup": lambda: _lookup_page(serving, search_term),
    }
