"""The dashboard on a hand-made serving file: five customers, seven orders around the 30-day
windows' edges, a handful of surveys, one channel with spend and one without. Every figure the
queries return is worked out by hand below; the pages are rendered with Streamlit's AppTest (no
browser) on the same file."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from mdw.dashboard import queries
from mdw.dashboard.pages import PAGES

AS_OF = date(2026, 1, 31)
CHECKS = [
    {"asset": "raw/orders", "check": "delivery_volume", "passed": False, "severity": "WARN"},
    {"asset": "marts/mart_customer_profile", "check": "unique_customer_key", "passed": True, "severity": "ERROR"},
    {"asset": "marts/mart_customer_rfm", "check": "not_null_customer_key", "passed": True, "severity": "ERROR"},
]

# mart_customer_profile: one default row, each customer overriding what matters to a test
PROFILE_DEFAULT = {
    "customer_key": None, "as_of_date": AS_OF, "display_name": None, "email": None, "phone": None, "city": "Shanghai",
    "province": "Shanghai", "acquisition_channel": "web", "acquisition_reporting_channel": "direct",
    "cohort_month": date(2025, 3, 1), "has_marketing_consent": True, "first_seen_at": datetime(2025, 3, 2, 9, 0),
    "lifecycle_stage": "active", "first_order_date": date(2025, 3, 2), "last_order_date": date(2026, 1, 20),
    "next_purchase_due_date": date(2026, 2, 10), "recency_days": 11, "frequency": 4, "monetary_cny": 100.0,
    "r_score": 4, "f_score": 3, "m_score": 3, "rfm_cell": "4-3-3", "rfm_segment": "Loyal", "is_declining": False,
    "net_revenue_drop_share": 0.0, "lifetime_net_revenue_cny": 100.0, "trailing_12m_net_revenue_cny": 100.0,
    "order_count": 4, "average_order_value_cny": 25.0, "probability_alive": 0.9, "expected_purchases": 3.0,
    "expected_revenue_cny": 75.0, "influence_score": 1.5, "value_score": 0.5, "value_tier": "medium",
    "latest_nps_score": None, "nps_class": None, "average_csat": None, "survey_count": 0,
    "next_best_category_1": "pet", "next_best_category_2": None, "next_best_category_3": None,
    "last_contact_at": datetime(2026, 1, 20, 10, 0), "last_contact_channel": "email",
    "is_reactivation_candidate": False, "revenue_at_risk_cny": 0.0,
}
PROFILES = [
    {"customer_key": "C1", "display_name": "Ann Lee", "email": "ann@example.com", "phone": "+8613800138000",
     "rfm_segment": "Champions", "value_tier": "high", "trailing_12m_net_revenue_cny": 1000.0, "order_count": 20},
    {"customer_key": "C2", "email": "bob@example.com", "lifecycle_stage": "at_risk", "rfm_segment": "At Risk",
     "trailing_12m_net_revenue_cny": 300.0, "revenue_at_risk_cny": 300.0},
    {"customer_key": "C3", "lifecycle_stage": "dormant", "rfm_segment": "Hibernating", "value_tier": "low",
     "trailing_12m_net_revenue_cny": 100.0},
    {"customer_key": "C4", "lifecycle_stage": "prospect", "first_order_date": None, "rfm_segment": None,
     "value_tier": "low", "trailing_12m_net_revenue_cny": 0.0},
    {"customer_key": "C5", "rfm_segment": "Loyal", "trailing_12m_net_revenue_cny": 600.0},
]


def _literal(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return f"timestamp '{value:%Y-%m-%d %H:%M:%S}'"
    if isinstance(value, date):
        return f"date '{value}'"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _table(con, name: str, columns: list[str], rows: list[tuple], types: dict[str, str] | None = None) -> None:
    """A table from literal rows; `types` casts columns whose values alone do not say their type."""
    types = types or {}
    select = ", ".join(f"cast({c} as {types[c]}) as {c}" if c in types else c for c in columns)
    if not rows:
        definitions = ", ".join(f"{c} {types.get(c, 'varchar')}" for c in columns)
        con.execute(f"create table {name} ({definitions})")
        return
    values = ", ".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    con.execute(f"create table {name} as select {select} from (values {values}) as source ({', '.join(columns)})")


def build_serving(path: Path, as_of: date = AS_OF, satisfaction_scores: list[tuple] | None = None) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema _publish")
    con.execute("create table _publish.run (run_id varchar, published_at timestamp, as_of_date date, check_results json)")
    con.execute("insert into _publish.run values ('run-1', timestamp '2026-02-01 06:00:00', ?, ?)",
                [as_of, json.dumps(CHECKS)])
    columns = list(PROFILE_DEFAULT)
    _table(con, "mart_customer_profile", columns, [tuple({**PROFILE_DEFAULT, **p}[c] for c in columns) for p in PROFILES],
           {"display_name": "varchar", "email": "varchar", "phone": "varchar", "latest_nps_score": "integer",
            "nps_class": "varchar", "average_csat": "decimal(4,2)", "next_best_category_2": "varchar",
            "next_best_category_3": "varchar", "monetary_cny": "decimal(18,2)",
            "trailing_12m_net_revenue_cny": "decimal(18,2)", "lifetime_net_revenue_cny": "decimal(18,2)"})
    _table(con, "customer_key_history", ["old_customer_key", "new_customer_key", "changed_at", "reason"],
           [("OLD1", "C5", datetime(2026, 1, 10), "merge")])
    # the windows: last 30 days = 2026-01-02..2026-01-31, previous 30 days = 2025-12-03..2026-01-01
    _table(con, "mart_order_contribution",
           ["order_id", "customer_key", "order_date", "is_cancelled_or_refunded", "net_revenue_cny",
            "contribution_margin_cny"],
           [("O1", "C1", date(2026, 1, 31), False, 100.0, 40.0),   # as_of itself: last 30
            ("O2", "C1", date(2026, 1, 2), False, 50.0, 20.0),     # first day of the last 30
            ("O3", "C2", date(2026, 1, 15), True, 0.0, 0.0),       # cancelled: no standing order
            ("O4", "C2", date(2026, 1, 1), False, 80.0, 30.0),     # last day of the previous 30
            ("O5", "C3", date(2025, 12, 3), False, 20.0, 10.0),    # first day of the previous 30
            ("O6", "C3", date(2025, 12, 2), False, 999.0, 999.0),  # before both
            ("O7", "C5", date(2026, 2, 1), False, 555.0, 555.0)],  # after as_of
           {"net_revenue_cny": "decimal(18,2)", "contribution_margin_cny": "decimal(18,2)"})
    _table(con, "mart_customer_lifecycle", ["customer_key", "lifecycle_stage", "uses_own_rhythm",
                                            "usual_days_between_purchases"],
           [("C1", "active", True, 14.0), ("C2", "at_risk", True, 30.0), ("C3", "dormant", False, None),
            ("C4", "prospect", False, None), ("C5", "active", False, None), ("C6", "vip", False, None)])
    _table(con, "mart_customer_brand_loyalty",
           ["customer_key", "category", "units", "spend_cny", "store_brand_spend_cny", "store_brand_share",
            "loyalty_class", "usage_tier", "store_brand_offer"],
           [("C1", "pet", 10, 100.0, 90.0, 0.9, "store_loyal", "high", "retain"),
            ("C1", "snacks", 2, 50.0, 0.0, 0.0, "national_loyal", "low", "light"),
            ("C2", "pet", 4, 100.0, 10.0, 0.1, "national_loyal", "low", "light")])
    _table(con, "mart_customer_value", ["customer_key", "value_tier", "trailing_12m_net_revenue_cny",
                                        "expected_revenue_cny", "influence_score", "value_score"],
           [("C1", "high", 1000.0, 100.0, 2.0, 0.9), ("C2", "medium", 300.0, 30.0, 1.0, 0.5),
            ("C3", "low", 100.0, 0.0, 0.0, 0.2), ("C4", "low", 0.0, None, 0.0, 0.0),
            ("C5", "medium", 600.0, 20.0, 1.0, 0.6)])
    _table(con, "mart_customer_decline",
           ["customer_key", "lifecycle_stage", "prior_order_count", "recent_order_count", "prior_net_revenue_cny",
            "recent_net_revenue_cny", "net_revenue_change_cny", "net_revenue_drop_share", "is_declining",
            "is_reactivation_candidate", "revenue_at_risk_cny"],
           [("C1", "active", 2, 3, 100.0, 150.0, 50.0, 0.0, False, False, 0.0),
            ("C2", "at_risk", 3, 1, 250.0, 50.0, -200.0, 0.8, True, False, 300.0),
            ("C3", "dormant", 1, 0, 50.0, 0.0, -50.0, 1.0, True, True, 0.0),
            ("C5", "active", 2, 1, 30.0, 20.0, -10.0, 0.33, True, False, 0.0)])
    _table(con, "mart_value_model_fit", ["fit", "observed_to_date", "holdout_days", "status"],
           [("full", AS_OF, 90, "fitted"), ("calibration", date(2025, 11, 2), 90, "fitted")])
    _table(con, "mart_value_model_holdout", ["frequency_group", "customers", "predicted_purchases",
                                             "actual_purchases", "error_share"],
           [("all", 3, 12.0, 10, 0.2), ("0", 1, 2.0, 1, 1.0), ("1", 2, 10.0, 9, 0.111)])
    _table(con, "mart_channel_acquisition",
           ["reporting_channel", "acquisition_month", "new_customers", "spend_cny", "contribution_to_date_cny",
            "predicted_12m_contribution_cny"],
           [("email", date(2025, 12, 1), 2, 100.0, 50.0, 30.0), ("email", date(2026, 1, 1), 2, 100.0, 30.0, None),
            ("store", date(2025, 12, 1), 3, 0.0, 90.0, 0.0)],
           {"contribution_to_date_cny": "decimal(38,2)", "predicted_12m_contribution_cny": "double"})
    _table(con, "mart_cohort_retention",
           ["reporting_channel", "acquisition_month", "months_since_acquisition", "is_month_complete",
            "cohort_customers", "active_customers"],
           [("email", date(2025, 12, 1), 0, True, 2, 2), ("email", date(2025, 12, 1), 1, False, 2, 1),
            ("store", date(2025, 12, 1), 0, True, 3, 3), ("store", date(2025, 12, 1), 1, False, 3, 0)])
    _table(con, "mart_channel_attribution",
           ["channel", "attribution_model", "attributed_conversions", "attributed_revenue_cny",
            "attributed_contribution_cny", "spend_cny", "return_on_spend"],
           [("email", "markov", 2.5, 250.0, 100.0, 200.0, 0.5), ("email", "first_touch", 3.0, 300.0, 120.0, 200.0, 0.6),
            ("email", "last_touch", 2.0, 200.0, 80.0, 200.0, 0.4)])
    _table(con, "mart_campaign_performance",
           ["campaign_id", "campaign_name", "channel", "objective", "start_date", "end_date", "sent_count",
            "delivered_count", "opened_count", "clicked_count", "converted_count", "unsubscribed_count",
            "bounced_count", "delivery_rate", "open_rate", "click_rate", "conversion_rate", "spend_cny",
            "primary_attribution_model", "cost_per_attributed_conversion_cny", "return_on_spend"],
           [("CMP-1", "January email", "email", "retention", date(2026, 1, 5), date(2026, 1, 6), 100, 95, 40, 10, 2,
             1, 5, 0.95, 0.42, 0.105, 0.021, 200.0, "markov", 80.0, 0.5)],
           {c: "hugeint" for c in ("sent_count", "delivered_count", "opened_count", "clicked_count", "converted_count",
                                   "unsubscribed_count", "bounced_count")})
    _table(con, "mart_campaign_results",
           ["campaign_id", "audience_name", "channel", "audience_as_of_date", "first_send_date",
            "response_window_days", "treatment_members", "control_members", "treatment_converters",
            "control_converters", "treatment_conversion_rate", "control_conversion_rate", "conversion_uplift",
            "conversion_uplift_ci_low", "conversion_uplift_ci_high", "treatment_revenue_per_member_cny",
            "control_revenue_per_member_cny"], [],
           {"audience_as_of_date": "date", "first_send_date": "date", "response_window_days": "integer",
            "treatment_members": "bigint", "control_members": "bigint", "treatment_converters": "hugeint",
            "control_converters": "hugeint", **{c: "double" for c in (
                "treatment_conversion_rate", "control_conversion_rate", "conversion_uplift", "conversion_uplift_ci_low",
                "conversion_uplift_ci_high", "treatment_revenue_per_member_cny", "control_revenue_per_member_cny")}})
    _table(con, "mart_audience_definitions", ["audience_name", "channel", "priority"],
           [("win_back", "email", 1), ("welcome", "sms", 2)])
    _table(con, "mart_audience_exclusions", ["audience_name", "channel", "outcome", "is_exclusion", "customers"],
           [("win_back", "email", "selected_treatment", False, 5), ("win_back", "email", "selected_control", False, 1),
            ("win_back", "email", "no_consent", True, 4), ("welcome", "sms", "selected_treatment", False, 2)])
    _table(con, "mart_audience_members", ["audience_name", "customer_key", "channel", "contact_point",
                                          "contact_point_type", "is_control_group", "priority", "selected_because"],
           [("win_back", "C1", "email", "ann@example.com", "email", False, 1, "high-value customer overdue")])
    _table(con, "mart_customer_satisfaction", ["customer_key", "latest_nps_score", "nps_class", "average_csat"],
           satisfaction_scores or [("C1", 10, "promoter", 5.0), ("C2", 6, "detractor", 2.0), ("C3", 7, "passive", 4.0),
                                   ("C5", None, None, None)],
           {"latest_nps_score": "integer", "nps_class": "varchar", "average_csat": "decimal(4,2)"})
    _table(con, "mart_nps_by_segment", ["segment_type", "segment_value", "respondents", "promoters", "passives",
                                        "detractors", "net_promoter_score"],
           [("rfm_segment", "Champions", 1, 1, 0, 0, 100.0), ("rfm_segment", "At Risk", 1, 0, 0, 1, -100.0)],
           {"promoters": "hugeint", "passives": "hugeint", "detractors": "hugeint", "net_promoter_score": "decimal(6,1)"})
    _table(con, "fct_touchpoints",
           ["touchpoint_id", "customer_key", "occurred_at", "source", "channel", "touchpoint_type", "campaign_id",
            "touchpoint_value"],
           [("T1", "C1", datetime(2026, 1, 5, 9), "crm", "email", "delivered", "CMP-1", None),
            ("T2", "C1", datetime(2026, 1, 31, 12), "orders", "web", "order", None, 100.0),
            ("T3", "C1", datetime(2026, 1, 10, 8), "survey", "survey", "survey_response", None, 10.0),
            ("T4", "C2", datetime(2026, 1, 11, 8), "survey", "survey", "survey_response", None, 9.0),
            ("T5", "C3", datetime(2026, 1, 12, 8), "survey", "survey", "survey_response", None, 6.0),
            ("T6", "C2", datetime(2025, 12, 20, 8), "survey", "survey", "survey_response", None, 7.0),
            ("T7", "C3", datetime(2025, 12, 21, 8), "survey", "survey", "survey_response", None, 3.0),
            ("T8", "C5", datetime(2026, 2, 1, 8), "survey", "survey", "survey_response", None, 0.0)],  # after as_of
           {"campaign_id": "varchar", "touchpoint_value": "decimal(18,2)"})
    _table(con, "customer_last_contact",
           ["customer_key", "last_contact_at", "last_contact_source", "last_contact_channel", "last_contact_type",
            "last_campaign_id", "last_campaign_activity_at", "last_campaign_furthest_step"],
           [("C1", datetime(2026, 1, 31, 12), "orders", "web", "order", "CMP-1", datetime(2026, 1, 5, 9), "delivered")])
    _table(con, "mart_next_best_action",
           ["customer_key", "best_channel", "best_channel_response_rate", "best_weekday", "best_hour",
            "next_category", "promo_order_share", "recommended_action", "do_not_contact_reason", "offer"],
           [("C1", "email", 0.2, 3, 20, "pet", 0.1, "contact", None, "full_price")],
           {"do_not_contact_reason": "varchar"})
    con.close()
    return path


@pytest.fixture
def serving(tmp_path: Path) -> Path:
    return build_serving(tmp_path / "marts.duckdb")


def test_publish_run_and_checks(serving: Path) -> None:
    publish = queries.publish_run(serving)
    assert (publish["run_id"], publish["as_of_date"]) == ("run-1", AS_OF)
    assert (publish["checks"], publish["checks_passed"], publish["checks_warned"], publish["checks_failed"]) == (3, 2, 1, 0)
    checks = queries.check_results(serving)
    assert checks.iloc[0].to_dict() == {"asset": "raw/orders", "check_name": "delivery_volume", "severity": "WARN",
                                        "passed": False}


def test_overview_counts_customers_per_lifecycle_stage(serving: Path) -> None:
    counts = queries.customer_counts(serving)
    assert counts["customers"] == 5
    assert counts["buyers"] == 4  # the prospect never bought
    assert counts["stages"] == {"active": 2, "at_risk": 1, "dormant": 1, "prospect": 1}


def test_revenue_of_the_last_30_days_against_the_30_before(serving: Path) -> None:
    revenue = queries.revenue_30_days(serving).set_index("period")
    last, previous = revenue.loc["last 30 days"], revenue.loc["previous 30 days"]
    assert (last["first_date"].date(), last["last_date"].date()) == (date(2026, 1, 2), AS_OF)
    assert (previous["first_date"].date(), previous["last_date"].date()) == (date(2025, 12, 3), date(2026, 1, 1))
    # O1 + O2 (the cancelled O3 is no standing order); O4 + O5; O6 before, O7 after
    assert (last["standing_orders"], last["net_revenue_cny"], last["contribution_margin_cny"]) == (2, 150.0, 60.0)
    assert (previous["standing_orders"], previous["net_revenue_cny"], previous["contribution_margin_cny"]) == (2, 100.0, 40.0)
    assert last["net_revenue_change_share"] == pytest.approx(0.5)
    assert last["contribution_change_share"] == pytest.approx(0.5)
    assert last["orders_change_share"] == pytest.approx(0.0)


def test_segments(serving: Path) -> None:
    rfm = queries.rfm_segments(serving).set_index("rfm_segment")
    assert list(rfm.index) == ["Champions", "Loyal", "At Risk", "Hibernating"]  # by revenue
    assert rfm["revenue_share"].to_dict() == pytest.approx({"Champions": 0.5, "Loyal": 0.3, "At Risk": 0.15,
                                                            "Hibernating": 0.05})
    assert rfm["customer_share"].tolist() == pytest.approx([0.25] * 4)
    lifecycle = queries.lifecycle_funnel(serving)
    # stage order, a stage the seed added (vip) last
    assert lifecycle["lifecycle_stage"].tolist() == ["prospect", "active", "at_risk", "dormant", "vip"]
    assert lifecycle.set_index("lifecycle_stage")["judged_by_own_rhythm"].to_dict()["active"] == 1
    grid = queries.brand_loyalty_grid(serving).set_index(["loyalty_class", "usage_tier"])
    assert grid.loc[("national_loyal", "low"), "customer_categories"] == 2
    assert grid.loc[("national_loyal", "low"), "store_brand_share"] == pytest.approx(10 / 150)
    tiers = queries.value_tiers(serving)
    assert tiers["value_tier"].tolist() == ["high", "medium", "low"]
    assert tiers.set_index("value_tier")["expected_revenue_cny"].to_dict() == pytest.approx(
        {"high": 100.0, "medium": 50.0, "low": 0.0})


def test_value_and_risk(serving: Path) -> None:
    distribution = queries.predicted_value_distribution(serving, bins=5)
    assert distribution["customers"].sum() == 4  # C4 has no prediction
    assert distribution["customers_without_prediction"].iloc[0] == 1
    last = distribution.iloc[-1]
    assert last["bin"] == 4 and last["upper_cny"] != last["upper_cny"]  # the open top bin (NaN) holds C1's 100
    assert last["customers"] == 1 and last["expected_revenue_cny"] == 100.0
    at_risk = queries.revenue_at_risk(serving)
    assert at_risk[["rfm_segment", "value_tier", "customers", "revenue_at_risk_cny"]].values.tolist() == [
        ["At Risk", "medium", 1, 300.0]]
    decline = queries.decline_summary(serving).set_index("lifecycle_stage")
    assert decline.loc["active", ["buyers", "declining", "declining_revenue_change_cny"]].tolist() == [2, 1, -10.0]
    assert decline.loc["dormant", "reactivation_candidates"] == 1
    assert decline.loc["at_risk", "revenue_at_risk_cny"] == 300.0
    assert queries.declining_customers(serving)["customer_key"].tolist() == ["C2", "C3", "C5"]
    assert queries.declining_customers(serving, limit=1)["customer_key"].tolist() == ["C2"]
    holdout = queries.value_model_holdout(serving)
    assert holdout["frequency_group"].tolist() == ["0", "1", "all"]
    assert holdout["calibration_to_date"].iloc[0].date() == date(2025, 11, 2)


def test_channels(serving: Path) -> None:
    cac = queries.channel_cac_value(serving).set_index("reporting_channel")
    assert cac.loc["email", ["new_customers", "spend_cny", "cac_cny"]].tolist() == [4, 200.0, 50.0]
    assert cac.loc["email", "value_per_customer_cny"] == pytest.approx((50 + 30 + 30) / 4)
    assert cac.loc["email", "value_to_cac_ratio"] == pytest.approx(110 / 200)
    assert cac.loc["store", "cac_cny"] == 0.0 and cac.loc["store", "value_to_cac_ratio"] != cac.loc["store", "value_to_cac_ratio"]
    cohorts = queries.cohort_retention(serving).set_index(["reporting_channel", "months_since_acquisition"])
    assert cohorts.loc[("all channels", 1), "retention_share"] == pytest.approx(1 / 5)
    assert cohorts.loc[("email", 1), "retention_share"] == pytest.approx(1 / 2)
    assert not cohorts.loc[("all channels", 1), "is_month_complete"]
    models = queries.channel_attribution(serving)["attribution_model"].tolist()
    assert models == ["first_touch", "last_touch", "markov"]


def test_campaigns_and_audiences(serving: Path) -> None:
    funnel = queries.campaign_funnel(serving)
    assert funnel[["sent", "delivered", "opened", "clicked", "converted"]].values.tolist() == [[100, 95, 40, 10, 2]]
    assert queries.campaign_uplift(serving).empty  # no campaign measured yet: the page says so
    audiences = queries.audience_outcomes(serving)
    win_back = audiences[audiences["audience_name"] == "win_back"]
    assert set(win_back["candidates"]) == {10}
    assert win_back.set_index("outcome")["customers"].to_dict() == {"selected_treatment": 5, "selected_control": 1,
                                                                    "no_consent": 4}


def test_satisfaction(serving: Path) -> None:
    overall = queries.nps_overall(serving)
    assert (overall["respondents"], overall["promoters"], overall["detractors"]) == (3, 1, 1)
    assert overall["net_promoter_score"] == 0.0
    assert overall["average_csat"] == pytest.approx(11 / 3)
    months = queries.nps_by_month(serving).set_index("survey_month")
    january, december = months.loc[pd.Timestamp(2026, 1, 1)], months.loc[pd.Timestamp(2025, 12, 1)]
    # January: 10 and 9 promote, 6 detracts; December: 7 is passive, 3 detracts; February is after as_of
    assert (january["respondents"], january["promoters"], january["detractors"]) == (3, 2, 1)
    assert january["net_promoter_score"] == pytest.approx(33.3)
    assert december["net_promoter_score"] == pytest.approx(-50.0)
    assert len(months) == 2 and january["is_month_complete"]
    assert queries.nps_by_segment(serving)["segment_value"].tolist() == ["At Risk", "Champions"]


def test_nps_by_month_follows_the_marts_class_limits(tmp_path: Path) -> None:
    """A passive at 9 in mart_customer_satisfaction: the promoter limit is 10, so January's 9 is passive."""
    serving = build_serving(tmp_path / "marts.duckdb", satisfaction_scores=[
        ("C1", 10, "promoter", 5.0), ("C2", 9, "passive", 4.0), ("C3", 6, "detractor", 2.0)])
    january = queries.nps_by_month(serving).set_index("survey_month").loc[pd.Timestamp(2026, 1, 1)]
    assert (january["promoters"], january["detractors"]) == (1, 1)


@pytest.mark.parametrize(("term", "expected"), [
    ("ann@example.com", ("email", "ann@example.com")),
    ("  Ann@Example.COM ", ("email", "ann@example.com")),
    ("not an @ address", ("email", None)),
    ("138 0013 8000", ("phone", "+8613800138000")),
    ("+86 138-0013-8000", ("phone", "+8613800138000")),
    ("0086 13800138000", ("phone", "+8613800138000")),
    ("12345", ("customer_key", "12345")),
    ("C1", ("customer_key", "C1")),
])
def test_search_terms_are_normalised_as_the_warehouse_does(term: str, expected: tuple) -> None:
    assert queries.classify_search(term) == expected


def test_lookup_by_email_masks_personal_data_unless_unmasked(serving: Path) -> None:
    found = queries.find_customers(serving, " ANN@example.com")
    assert found["customer_key"].tolist() == ["C1"]
    assert found.iloc[0][["display_name", "email", "phone", "matched_by"]].tolist() == [
        "A***", "a***@example.com", "861******8000", "email"]
    unmasked = queries.find_customers(serving, "ann@example.com", unmask=True)
    assert unmasked.iloc[0][["display_name", "email", "phone"]].tolist() == ["Ann Lee", "ann@example.com",
                                                                              "+8613800138000"]
    card = queries.customer_card(serving, "C1")
    assert (card["email"], card["display_name"]) == ("a***@example.com", "A***")
    assert (card["recommended_action"], card["best_channel"], card["last_campaign_id"]) == ("contact", "email", "CMP-1")
    assert card["usual_days_between_purchases"] == 14.0
    assert queries.customer_card(serving, "C1", unmask=True)["email"] == "ann@example.com"
    assert queries.customer_card(serving, "nobody") == {}


def test_lookup_by_phone_key_and_former_key(serving: Path) -> None:
    assert queries.find_customers(serving, "138 0013 8000")["customer_key"].tolist() == ["C1"]
    assert queries.find_customers(serving, "C2")["customer_key"].tolist() == ["C2"]
    former = queries.find_customers(serving, "OLD1")
    assert former[["customer_key", "matched_by"]].values.tolist() == [["C5", "former customer key"]]
    assert queries.find_customers(serving, "nobody@example.com").empty
    assert queries.find_customers(serving, "not an @ address").empty


def test_customer_history_loyalty_and_audiences(serving: Path) -> None:
    history = queries.customer_contact_history(serving, "C1")
    assert history["touchpoint_type"].tolist() == ["order", "survey_response", "delivered"]  # newest first
    assert history.set_index("touchpoint_type").loc["delivered", "campaign_name"] == "January email"
    assert set(history["interactions"]) == {3}
    limited = queries.customer_contact_history(serving, "C1", limit=1)
    assert len(limited) == 1 and limited["interactions"].iloc[0] == 3
    customer = queries.load_customer(serving, "C1")
    assert customer["loyalty"]["category"].tolist() == ["pet", "snacks"]  # by spend
    assert customer["loyalty"].iloc[0][["spend_cny", "loyalty_class"]].tolist() == [100.0, "store_loyal"]
    audiences = customer["audiences"]
    assert audiences["audience_name"].tolist() == ["win_back"] and "contact_point" not in audiences.columns
    nobody = queries.load_customer(serving, "C3")  # no category row of its own, no audience
    assert nobody["audiences"].empty and list(nobody["audiences"].columns) == queries.AUDIENCE_COLUMNS


def test_every_page_loader_runs_and_leaves_no_connection_open(serving: Path) -> None:
    loads = queries.page_loads(serving, queries.sample_search_term(serving))
    assert list(loads) == [page.title for page in PAGES]
    for load in loads.values():
        assert load()
    assert queries.sample_search_term(serving) == "ann@example.com"  # the customer with the most orders
    con = duckdb.connect(str(serving))  # read-write: fails while a read-only connection of this process is open
    con.close()


def test_a_new_publish_shows_on_the_next_query(serving: Path, tmp_path: Path) -> None:
    assert queries.publish_run(serving)["as_of_date"] == AS_OF
    newer = build_serving(tmp_path / "marts.duckdb.new", as_of=date(2026, 2, 1))
    os.replace(newer, serving)  # as the publish does
    assert queries.publish_run(serving)["as_of_date"] == date(2026, 2, 1)


def test_a_page_reads_one_publish_and_the_next_page_the_newer(serving: Path, tmp_path: Path) -> None:
    newer = build_serving(tmp_path / "marts.duckdb.new", as_of=date(2026, 2, 1))
    with queries.one_version(serving):
        assert queries.publish_run(serving)["as_of_date"] == AS_OF
        os.replace(newer, serving)  # a publish while the page runs its queries: not blocked
        assert queries.publish_run(serving)["as_of_date"] == AS_OF  # the page stays on its version
    assert queries.load_overview(serving)["publish"]["as_of_date"] == date(2026, 2, 1)


def test_app_imports_without_drawing() -> None:
    from mdw.dashboard import app

    assert callable(app.main)
    assert [page.url_path for page in PAGES] == ["overview", "segments", "value-and-risk", "channels",
                                                      "campaigns", "satisfaction", "customer-lookup"]


def _render(title: str) -> None:
    from mdw.dashboard.pages import PAGES

    next(page for page in PAGES if page.title == title).render()


@pytest.fixture
def app_on(serving: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MDW_SERVING", str(serving))
    monkeypatch.delenv("MDW_DASHBOARD_UNMASK", raising=False)

    def run(title: str) -> AppTest:
        return AppTest.from_function(_render, args=(title,), default_timeout=30).run()
    return run


@pytest.mark.parametrize("title", ["Overview", "Segments", "Value and risk", "Channels", "Campaigns and audiences",
                                   "Satisfaction", "Customer lookup"])
def test_every_page_renders_on_the_tiny_file(app_on, title: str) -> None:
    at = app_on(title)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any(f"{AS_OF}" in caption.value for caption in at.caption)  # the page states its as_of


def test_campaigns_page_says_no_data_yet_for_an_empty_mart(app_on) -> None:
    at = app_on("Campaigns and audiences")
    assert any("No data yet: nothing in `mart_campaign_results`" in info.value for info in at.info)


def test_lookup_page_shows_a_masked_card(app_on) -> None:
    at = app_on("Customer lookup")
    at.text_input(key="lookup_term").input("ann@example.com").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(frame.value.to_string() for frame in at.dataframe)
    assert "a***@example.com" in shown and "ann@example.com" not in shown and "Ann Lee" not in shown
    assert "January email" in shown  # the contact history


def test_a_missing_serving_file_is_explained(app_on, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MDW_SERVING", str(tmp_path / "none.duckdb"))
    at = app_on("Overview")
    assert not at.exception and any("No serving file" in warning.value for warning in at.warning)
    assert not (tmp_path / "none.duckdb").exists()  # nothing created


def test_mdw_dashboard_starts_streamlit_on_loopback(serving: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mdw import cli

    started = {}
    monkeypatch.setattr(cli.os, "execvpe", lambda file, args, env: started.update(args=args, env=dict(env)))
    monkeypatch.setenv("MDW_SERVING", "elsewhere.duckdb")  # restored after the test, whatever the command sets
    monkeypatch.setenv("STREAMLIT_BROWSER_GATHER_USAGE_STATS", "true")
    assert cli.main(["dashboard", "--port", "8765", "--serving", str(serving)]) == 0
    args = started["args"]
    assert args[1:4] == ["-m", "streamlit", "run"] and Path(args[4]) == cli.DASHBOARD_APP and cli.DASHBOARD_APP.exists()
    flags = dict(zip(args[5::2], args[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8765"
    assert flags["--server.headless"] == "true" and flags["--browser.gatherUsageStats"] == "false"
    assert started["env"]["MDW_SERVING"] == str(serving)
    assert started["env"]["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_bench_dashboard_records_every_page(serving: Path, tmp_path: Path) -> None:
    from mdw import cli

    doc = tmp_path / "benchmarks.md"
    assert cli.main(["bench", "dashboard", "--serving", str(serving), "--label", "tiny", "--repeat", "1",
                     "--record-to", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert "<!-- BEGIN dashboard tiny -->" in text
    for title in ("Overview", "Segments", "Value and risk", "Channels", "Campaigns and audiences", "Satisfaction",
                  "Customer lookup"):
        assert f"| {title} |" in text
