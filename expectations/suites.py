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

from dagster_project.ingest.contract import (
    CRM_CONTACTS,
    FEEDS,
    ORDERS,
    SOCIAL_ENGAGEMENTS,
    SURVEY_RESPONSES,
    FeedFile,
)
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
    reads: tuple[str, ...] = ()  # the other relations its rules read (on Spark they are staged with the table)


def _rows(name: str, description: str, query: str):
    """A named SQL rule: the query returns the offending rows ({batch} is the guarded table)."""
    import great_expectations as gx

    return gx.expectations.UnexpectedRowsExpectation(
        unexpected_rows_query=query, description=description, meta={"name": name})


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


def _not_in_future(column: str, what: str):
    return _rows(f"{column}_not_in_future", f"No {what} is more than {FUTURE_TOLERANCE_HOURS} h in the future.",
                 f"select * from {{batch}} where try_cast({column} as timestamptz) > "
                 f"current_timestamp + interval {FUTURE_TOLERANCE_HOURS} hour")


def _score_between(column: str, low: int, high: int):
    return _rows(f"{column}_between_{low}_and_{high}", f"{column.upper()} is a whole number from {low} to {high}.",
                 f"select * from {{batch}} where {column} is not null and trim({column}) <> '' "
                 f"and coalesce(try_cast({column} as integer) not between {low} and {high}, true)")


# Rules on values as delivered, per raw table, beyond what the loader enforces (ids present, types
# parse: a row that breaks those is in quarantine, never in the raw table) and what dbt tests say
# on the typed staging models (keys unique, accepted values, relationships). Every raw table of a
# feed file also gets the quarantine rules.
RAW_RULES: dict[str, Callable[[], list[Any]]] = {
    ORDERS.table.name: lambda: [
        _not_in_future("ordered_at", "order"),
        _rows("amounts_not_negative", "Totals, discounts and shipping are not negative.",
              "select * from {batch} where try_cast(total as decimal(18, 2)) < 0 "
              "or try_cast(discount as decimal(18, 2)) < 0 or try_cast(shipping as decimal(18, 2)) < 0"),
        _rows("no_conflicting_duplicates",
              "An order delivered twice with the same update time carries the same total.",
              "select order_id, updated_at, count(distinct total) as totals from {batch} "
              "group by order_id, updated_at having count(distinct total) > 1"),
    ],
    SURVEY_RESPONSES.table.name: lambda: [
        _not_in_future("submitted_at", "response"),
        _score_between("nps", 0, 10),
        _score_between("csat", 1, 5),
    ],
    SOCIAL_ENGAGEMENTS.table.name: lambda: [_not_in_future("occurred_at", "event")],
    CRM_CONTACTS.table.name: lambda: [_not_in_future("updated_at", "update")],
}


def _raw_suite(feed_file: FeedFile) -> Suite:
    table = feed_file.table.name

    def build(_: QualityContext) -> list[Any]:
        return [*RAW_RULES.get(table, list)(), *_raw_common(table, feed_file.filename)]

    return Suite(f"raw_{table}_suite", ("raw", table), f"raw.{table}",
                 f"{feed_file.filename} of the {feed_file.source} feed, as delivered.", build)


def _contact_point_consent(_: QualityContext) -> list[Any]:
    """Reconciliation with the consent ledger, stated independently of the model's ranking."""
    return [
        _rows("withdrawal_respected",
              "No address is usable for a channel when a withdrawal, unsubscribe or bounce for that address and "
              "channel is as recent as the grant that decided it.",
              "select distinct c.contact_point_key, c.channel, c.decided_at from {batch} as c "
              "inner join core.fct_consent_events as e on e.contact_point_key = c.contact_point_key "
              "and e.channel = c.channel where c.is_usable and not e.grants_consent and e.occurred_at >= c.decided_at"),
        _rows("junk_never_usable", "No address the identity layer flagged as junk is usable.",
              "select c.contact_point_key, c.channel from {batch} as c inner join core.identity_junk_identifiers "
              "as j on j.identifier_key = c.contact_point_key where c.is_usable"),
    ]


def _audience_exports(_: QualityContext) -> list[Any]:
    """What may leave for activation; sample rows name the audience, channel and customer, never an address."""
    # GE aliases {batch} itself unless the query joins: every rule here joins, so it names its alias
    flagged = ("select contact_point_key, customer_key from main.suppression_list union all "
               "select identifier_key, null from core.identity_junk_identifiers")
    return [
        _rows("member_holds_consent",
              "Every exported address holds current consent for its channel itself and belongs to the member.",
              # usable addresses in both forms, matched by equality alone (a hash join: an `or` in the
              # join condition made it a nested loop, 26 s at scale 1)
              "select e.audience_name, e.channel, e.customer_key from {batch} as e "
              "left join (select channel, customer_key, contact_point_type, contact_point as exported_as "
              "from core.contact_point_consent where is_usable union all "
              "select channel, customer_key, contact_point_type, sha256(contact_point) "
              "from core.contact_point_consent where is_usable) as c "
              "on c.channel = e.channel and c.customer_key = e.customer_key "
              "and c.contact_point_type = e.contact_point_type "
              "and c.exported_as = coalesce(e.contact_point, e.contact_point_sha256) "
              "where c.channel is null"),
        _rows("no_control_member_exported", "No member of a control group is exported.",
              "select e.audience_name, e.channel, e.customer_key from {batch} as e "
              "inner join marts.mart_audience_members as m on m.audience_name = e.audience_name "
              "and m.channel = e.channel and m.customer_key = e.customer_key where m.is_control_group"),
        _rows("no_suppressed_or_junk_address",
              "No exported address or customer is on the suppression list, and no address is junk.",
              "select distinct e.audience_name, e.channel, e.customer_key from {batch} as e "
              f"inner join ({flagged}) as f on f.customer_key = e.customer_key "
              "or f.contact_point_key = e.contact_point_type || ':' || e.contact_point "
              "or sha256(substr(f.contact_point_key, length(e.contact_point_type) + 2)) = e.contact_point_sha256"),
        _rows("ad_platforms_get_hashes_only",
              "Ad-platform rows carry a SHA-256 and no address; owned-channel rows an address and no hash.",
              "select e.audience_name, e.channel, e.customer_key from {batch} as e "
              "inner join (select channel, max(export_as) as export_as from main.channel_contact_points "
              "group by channel) as p on p.channel = e.channel "
              "where (p.export_as = 'sha256') <> (e.contact_point is null and e.contact_point_sha256 is not null) "
              "or (p.export_as = 'address') <> (e.contact_point is not null and e.contact_point_sha256 is null)"),
        _rows("exclusion_counts_add_up",
              "Per audience and channel, the selected counts of mart_audience_exclusions equal the members, and "
              "the treatment count the exported rows of channels an export reaches.",
              "select x.audience_name, x.channel, x.selected, x.treatment, m.members, coalesce(e.exported, 0) as exported "
              "from (select audience_name, channel, sum(customers) filter (where outcome like 'selected%') as selected, "
              "sum(customers) filter (where outcome = 'selected_treatment') as treatment "
              "from marts.mart_audience_exclusions group by 1, 2) as x "
              "left join (select audience_name, channel, count(*) as members from marts.mart_audience_members "
              "group by 1, 2) as m using (audience_name, channel) "
              "left join (select audience_name, channel, count(*) as exported from {batch} group by 1, 2) as e "
              "using (audience_name, channel) "
              "left join (select distinct channel from main.channel_contact_points) as reached using (channel) "
              "where coalesce(x.selected, 0) <> coalesce(m.members, 0) "
              "or (reached.channel is not null and coalesce(x.treatment, 0) <> coalesce(e.exported, 0))"),
    ]


def _profile(context: QualityContext) -> list[Any]:
    """The row count against the previous publish; none on the first publish or for small tables."""
    import great_expectations as gx

    previous = context.previous_row_counts.get("mart_customer_profile")
    if not previous or previous < MIN_ROWS_FOR_BAND:
        return []
    return [gx.expectations.ExpectTableRowCountToBeBetween(
        min_value=int(previous * (1 - ROW_COUNT_BAND)), max_value=int(previous * (1 + ROW_COUNT_BAND)) + 1,
        meta={"name": f"row_count_within_{ROW_COUNT_BAND:.0%}_of_previous_publish"})]


SUITES: list[Suite] = [
    *(_raw_suite(feed_file) for feed_files in FEEDS.values() for feed_file in feed_files),
    Suite("contact_point_consent_suite", ("core", "contact_point_consent"), "core.contact_point_consent",
          "Consent per address and channel, reconciled with the consent ledger.", _contact_point_consent,
          reads=("core.fct_consent_events", "core.identity_junk_identifiers")),
    Suite("mart_audience_exports_suite", ("marts", "mart_audience_exports"), "marts.mart_audience_exports",
          "The rows that leave for activation: consent, control group, suppression, hashes, counts.",
          _audience_exports, reads=("core.contact_point_consent", "core.identity_junk_identifiers",
                                    "marts.mart_audience_members", "marts.mart_audience_exclusions",
                                    "main.suppression_list", "main.channel_contact_points")),
    Suite("mart_customer_profile_suite", ("marts", "mart_customer_profile"), "marts.mart_customer_profile",
          "The wide customer profile BI and campaigns read first, against the previous publish.", _profile),
]
