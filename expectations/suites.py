"""Great Expectations suites as code: one per guarded asset, the one source of truth.

A suite names the asset it guards (its Dagster asset key), the table it reads and whether it is
blocking (a failure stops everything downstream, publishing included); which of its rules block
and which only warn is set per rule in expectations/settings.py. Expectations are built on
demand, so that loading the Dagster definitions does not import Great Expectations. Most rules
are SQL (``UnexpectedRowsExpectation``) because raw columns are text as delivered and the rules
read other tables (quarantine, manifest, seeds, the previous published run); they run in DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from expectations.delivery import DELIVERED_FILES
from expectations.settings import (
    FILE_SPIKE_CONFIDENCE_Z,
    FUTURE_TOLERANCE_HOURS,
    MAX_QUARANTINE_SHARE,
    MIN_QUARANTINED_ROWS,
    MIN_ROWS_FOR_BAND,
    QUARANTINE_CONFIDENCE_Z,
    ROW_COUNT_BAND,
)

ORDER_STATUSES = ("paid", "shipped", "cancelled", "refunded")
ORDER_CHANNELS = ("web", "app", "store", "marketplace")
SOCIAL_PLATFORMS = ("wechat", "weibo", "douyin", "xiaohongshu", "instagram", "x")
SOCIAL_EVENT_TYPES = ("follow", "like", "comment", "share", "mention", "click", "message")
ACTIVITY_TYPES = ("sent", "delivered", "opened", "clicked", "converted", "unsubscribed", "bounced")


@dataclass(frozen=True)
class QualityContext:
    """What a suite may need beyond its table: the previous published run's row counts."""

    previous_row_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    asset_key: tuple[str, ...]
    table: str
    description: str
    build: Callable[[QualityContext], list[Any]]
    blocking: bool = True


def _rows(name: str, description: str, query: str):
    """A named SQL rule: the query returns the offending rows ({batch} is the guarded table)."""
    import great_expectations as gx

    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query, description=description, meta={"name": name})


def _not_null(column: str):
    import great_expectations as gx

    return gx.expectations.ExpectColumnValuesToNotBeNull(column=column, meta={"name": f"{column}_not_null"})


def _columns(*columns: str):
    import great_expectations as gx

    return gx.expectations.ExpectTableColumnsToMatchSet(
        column_set=list(columns), exact_match=False, meta={"name": "required_columns_present"})


def _in_set(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"select * from {{batch}} where {column} is not null and lower(trim({column})) not in ({listed})"


def _not_in_future(column: str) -> str:
    return (f"select * from {{batch}} where try_cast({column} as timestamptz) > "
            f"current_timestamp + interval {FUTURE_TOLERANCE_HOURS} hour")


def _unparsed_timestamp(column: str) -> str:
    return f"select * from {{batch}} where {column} is not null and try_cast({column} as timestamptz) is null"


def _quarantine_over_limit(bad: str, delivered: str, z: float) -> str:
    """SQL condition on two columns: `bad` of `delivered` rows is over the quarantine limit with
    confidence, i.e. at least MIN_QUARANTINED_ROWS and a Wilson lower bound above the limit."""
    return f"{bad} >= {MIN_QUARANTINED_ROWS} and {_wilson_lower(bad, delivered, z)} > {MAX_QUARANTINE_SHARE}"


def _wilson_lower(bad: str, delivered: str, z: float) -> str:
    """SQL: the lower end of the Wilson score interval of the share bad / delivered. Unlike the
    plain share it is wide for few rows (1 of 15 is no evidence of a 5% fault; 20 of 40 is)."""
    z2 = z ** 2
    p = f"({bad} / nullif({delivered}, 0))"
    return (f"(({p} + {z2 / 2:.6g} / {delivered} - {z} * sqrt({p} * (1 - {p}) / {delivered} "
            f"+ {z2 / 4:.6g} / ({delivered} * {delivered}))) / (1 + {z2:.6g} / {delivered}))")


def _quarantine_share(raw_table: str) -> str:
    return f"""
        select quarantined_rows, delivered_rows,
            round({_wilson_lower("quarantined_rows", "delivered_rows", QUARANTINE_CONFIDENCE_Z)}, 4)
                as share_lower_bound
        from (
            select quarantined_rows, quarantined_rows + loaded_rows as delivered_rows
            from (select count(*) as quarantined_rows, (select count(*) from {{batch}}) as loaded_rows
                  from raw.quarantine where raw_table = '{raw_table}') as counts
        ) as shares
        where {_quarantine_over_limit("quarantined_rows", "delivered_rows", QUARANTINE_CONFIDENCE_Z)}"""


def _quarantine_spike(feed_file: str) -> str:
    """Delivered files of which more than the allowed share went to quarantine (a spike of missing
    ids, a broken export), judged at FILE_SPIKE_CONFIDENCE_Z: every delivered file is tested, and
    among hundreds of small files a few reach the table's bound by chance. {batch} is referenced so
    that GE knows the rule reads the guarded table."""
    return f"""
        select file_path, quarantined_rows, delivered_rows,
            round({_wilson_lower("quarantined_rows", "delivered_rows", FILE_SPIKE_CONFIDENCE_Z)}, 4)
                as share_lower_bound
        from (
            select file_path, rows_quarantined as quarantined_rows, rows_loaded + rows_quarantined as delivered_rows
            from ({DELIVERED_FILES}) as files where feed_file = '{feed_file}'
        ) as shares
        where (select count(*) from {{batch}}) >= 0
            and {_quarantine_over_limit("quarantined_rows", "delivered_rows", FILE_SPIKE_CONFIDENCE_Z)}"""


def _raw_common(raw_table: str, feed_file: str) -> list[Any]:
    """Quarantine rules for every feed; the volume and freshness of deliveries are separate checks
    (expectations/delivery.py)."""
    def limit(z: float) -> str:
        return f"{MAX_QUARANTINE_SHARE:.0%} (Wilson lower bound at z = {z}; {MIN_QUARANTINED_ROWS} rows at least)"

    return [
        _rows("quarantine_share_below_limit",
              f"Not more than {limit(QUARANTINE_CONFIDENCE_Z)} of the rows delivered for raw.{raw_table} went "
              "to quarantine.", _quarantine_share(raw_table)),
        _rows("no_quarantine_spike_in_a_file",
              f"No delivered {feed_file} sent more than {limit(FILE_SPIKE_CONFIDENCE_Z)} of its rows to "
              "quarantine (e.g. a spike of missing ids).", _quarantine_spike(feed_file)),
    ]


def _raw_orders(_: QualityContext) -> list[Any]:
    return [
        _columns("order_id", "ordered_at", "updated_at", "status", "channel", "currency", "total"),
        _not_null("order_id"),
        _rows("ordered_at_parses", "Order times parse as timestamps.", _unparsed_timestamp("ordered_at")),
        _rows("ordered_at_not_in_future", f"No order is more than {FUTURE_TOLERANCE_HOURS} h in the future.",
              _not_in_future("ordered_at")),
        _rows("amounts_not_negative", "Totals, discounts and shipping are not negative.",
              "select * from {batch} where try_cast(total as decimal(18, 2)) < 0 "
              "or try_cast(discount as decimal(18, 2)) < 0 or try_cast(shipping as decimal(18, 2)) < 0"),
        _rows("status_accepted", f"Status is one of {', '.join(ORDER_STATUSES)}.", _in_set("status", ORDER_STATUSES)),
        _rows("channel_accepted", f"Channel is one of {', '.join(ORDER_CHANNELS)}.", _in_set("channel", ORDER_CHANNELS)),
        _rows("no_conflicting_duplicates",
              "An order delivered twice with the same update time carries the same total.",
              "select order_id, updated_at, count(distinct total) as totals from {batch} "
              "group by order_id, updated_at having count(distinct total) > 1"),
        *_raw_common("orders", "orders.jsonl"),
    ]


def _raw_survey(_: QualityContext) -> list[Any]:
    return [
        _columns("response_id", "survey_id", "submitted_at", "nps", "csat"),
        _not_null("response_id"),
        _rows("submitted_at_not_in_future", f"No response is more than {FUTURE_TOLERANCE_HOURS} h in the future.",
              _not_in_future("submitted_at")),
        _rows("nps_between_0_and_10", "NPS is a whole number from 0 to 10.",
              "select * from {batch} where nps is not null and trim(nps) <> '' "
              "and coalesce(try_cast(nps as integer) not between 0 and 10, true)"),
        _rows("csat_between_1_and_5", "CSAT is a whole number from 1 to 5.",
              "select * from {batch} where csat is not null and trim(csat) <> '' "
              "and coalesce(try_cast(csat as integer) not between 1 and 5, true)"),
        *_raw_common("survey_responses", "responses.csv"),
    ]


def _raw_social(_: QualityContext) -> list[Any]:
    return [
        _columns("event_id", "platform", "event_type", "occurred_at", "user_handle"),
        _not_null("event_id"),
        _rows("occurred_at_not_in_future", f"No event is more than {FUTURE_TOLERANCE_HOURS} h in the future.",
              _not_in_future("occurred_at")),
        _rows("platform_accepted", f"Platform is one of {', '.join(SOCIAL_PLATFORMS)}.",
              _in_set("platform", SOCIAL_PLATFORMS)),
        _rows("event_type_accepted", f"Event type is one of {', '.join(SOCIAL_EVENT_TYPES)}.",
              _in_set("event_type", SOCIAL_EVENT_TYPES)),
        *_raw_common("social_engagements", "engagements.jsonl"),
    ]


def _raw_contacts(_: QualityContext) -> list[Any]:
    return [
        _columns("contact_id", "email", "phone", "marketing_consent", "updated_at"),
        _not_null("contact_id"),
        _rows("updated_at_not_in_future", f"No update is more than {FUTURE_TOLERANCE_HOURS} h in the future.",
              _not_in_future("updated_at")),
        *_raw_common("crm_contacts", "contacts.csv"),
    ]


def _raw_activity(_: QualityContext) -> list[Any]:
    return [
        _columns("activity_id", "campaign_id", "activity_type", "occurred_at"),
        _not_null("activity_id"),
        _rows("activity_type_accepted", f"Activity type is one of {', '.join(ACTIVITY_TYPES)}.",
              _in_set("activity_type", ACTIVITY_TYPES)),
        *_raw_common("crm_campaign_activity", "campaign_activity.csv"),
    ]


def _dim_customers(_: QualityContext) -> list[Any]:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeUnique(column="customer_key", meta={"name": "one_row_per_customer"}),
        _not_null("customer_key"),
        _not_null("has_marketing_consent"),
        _rows("no_oversized_identity_component",
              "No customer holds more than 50 identifiers (a shared placeholder slipped through).",
              "select customer_key, count(*) as identifiers from core.identity_key_registry "
              "where customer_key in (select customer_key from {batch}) group by customer_key having count(*) > 50"),
        _rows("withdrawn_consent_respected",
              "A customer whose latest CRM version withdrew consent, with no later consent event, has no consent.",
              "select customer_key, primary_crm_contact_id from {batch} where has_marketing_consent and exists ("
              "select 1 from staging.stg_crm__contacts as contacts "
              "where contacts.contact_id = primary_crm_contact_id and contacts.has_marketing_consent = false "
              "and contacts.consent_updated_at >= marketing_consent_updated_at)"),
    ]


def _fct_orders(_: QualityContext) -> list[Any]:
    return [
        _rows("every_order_mapped_or_explained",
              "Each order resolves to a customer or is listed, with its reason, in identity_unmapped_records.",
              "select order_id from {batch} where customer_key is null and order_id not in ("
              "select record_id from core.identity_unmapped_records where source = 'orders')"),
        _rows("net_amount_not_negative", "Net amounts are not negative.",
              "select order_id, net_amount_cny from {batch} where net_amount_cny < 0"),
    ]


def _fct_touchpoints(_: QualityContext) -> list[Any]:
    return [_not_null("customer_key")]


def _profile(context: QualityContext) -> list[Any]:
    import great_expectations as gx

    expectations = [
        gx.expectations.ExpectColumnValuesToBeUnique(column="customer_key", meta={"name": "one_row_per_customer"}),
        *(gx.expectations.ExpectColumnValuesToBeBetween(column=score, min_value=1, max_value=5,
                                                        meta={"name": f"{score}_between_1_and_5"})
          for score in ("r_score", "f_score", "m_score")),
        _rows("lifecycle_stage_from_seed", "Lifecycle stages are those of the seed lifecycle_stages.",
              "select customer_key, lifecycle_stage from {batch} "
              "where lifecycle_stage not in (select stage from main.lifecycle_stages)"),
        _rows("rfm_segment_from_seed", "RFM segments are those of the seed rfm_segments.",
              "select customer_key, rfm_segment from {batch} "
              "where rfm_segment is not null and rfm_segment not in (select segment from main.rfm_segments)"),
        _rows("value_tier_from_seed", "Value tiers are those of the seed value_tiers.",
              "select customer_key, value_tier from {batch} "
              "where value_tier not in (select value_tier from main.value_tiers)"),
        _rows("value_figures_not_negative", "Revenue, expected revenue and revenue at risk are not negative.",
              "select customer_key from {batch} where lifetime_net_revenue_cny < 0 or trailing_12m_net_revenue_cny < 0 "
              "or expected_revenue_cny < 0 or revenue_at_risk_cny < 0"),
    ]
    previous = context.previous_row_counts.get("mart_customer_profile")
    if previous and previous >= MIN_ROWS_FOR_BAND:
        expectations.append(gx.expectations.ExpectTableRowCountToBeBetween(
            min_value=int(previous * (1 - ROW_COUNT_BAND)), max_value=int(previous * (1 + ROW_COUNT_BAND)) + 1,
            meta={"name": f"row_count_within_{ROW_COUNT_BAND:.0%}_of_previous_publish"}))
    return expectations


SUITES: list[Suite] = [
    Suite("raw_orders_suite", ("raw", "orders"), "raw.orders", "Orders as delivered.", _raw_orders),
    Suite("raw_survey_responses_suite", ("raw", "survey_responses"), "raw.survey_responses",
          "Survey responses as delivered.", _raw_survey),
    Suite("raw_social_engagements_suite", ("raw", "social_engagements"), "raw.social_engagements",
          "Social engagements as delivered.", _raw_social),
    Suite("raw_crm_contacts_suite", ("raw", "crm_contacts"), "raw.crm_contacts", "CRM contacts as delivered.",
          _raw_contacts),
    Suite("raw_crm_campaign_activity_suite", ("raw", "crm_campaign_activity"), "raw.crm_campaign_activity",
          "Campaign activity as delivered.", _raw_activity),
    Suite("dim_customers_suite", ("core", "dim_customers"), "core.dim_customers",
          "The customer 360 dimension.", _dim_customers),
    Suite("fct_orders_suite", ("core", "fct_orders"), "core.fct_orders", "Orders fact.", _fct_orders),
    Suite("fct_touchpoints_suite", ("core", "fct_touchpoints"), "core.fct_touchpoints", "Touchpoints fact.",
          _fct_touchpoints),
    Suite("mart_customer_profile_suite", ("marts", "mart_customer_profile"), "marts.mart_customer_profile",
          "The wide customer profile BI and campaigns read first.", _profile),
]
