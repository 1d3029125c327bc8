"""The landing contract as data: which files each source delivers and what their fields are.

docs/sources.md describes the same contract for people; the loader, the tests and the dbt
sources all follow this module, so a change to the contract is made here once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One delivered field, stored in raw as the text delivered.

    kind decides the check that sends a row to quarantine: `id` must be present; `timestamp`,
    `date` and `decimal` must parse when present, `integer` must be integral (3, 3.0); `text` is
    never rejected.

    required: a CSV whose header lacks the column is not loaded. Only ids and the timestamp that
    versions a record (staging keeps a record's latest version by it) are required; other columns
    may be left out and load as null. A child table (order items) repeats its parent's required
    fields to tie each item to its parent's version.
    """

    name: str
    kind: str = "text"
    path: str | None = None  # JSON path inside the object (JSON lines only); default $.<name>
    required: bool = False

    @property
    def json_path(self) -> str:
        return self.path or f"$.{self.name}"


@dataclass(frozen=True)
class RawTable:
    name: str
    fields: tuple[Field, ...]
    array_path: str | None = None  # child tables: one row per element of this JSON array


@dataclass(frozen=True)
class FeedFile:
    source: str
    filename: str
    fmt: str  # "csv" or "jsonl"
    table: RawTable
    children: tuple[RawTable, ...] = ()

    @property
    def tables(self) -> tuple[RawTable, ...]:
        return (self.table, *self.children)


def _fields(spec: str) -> tuple[Field, ...]:
    """'name:kind name2! ...' -> Fields (kind defaults to text; a trailing ! marks a required field)."""
    out = []
    for token in spec.split():
        name, _, kind = token.rstrip("!").partition(":")
        out.append(Field(name, kind or "text", required=token.endswith("!")))
    return tuple(out)


CRM_CONTACTS = FeedFile("crm", "contacts.csv", "csv", RawTable(
    "crm_contacts",
    _fields("contact_id:id! email phone first_name last_name gender birth_date:date city province country "
            "social_platform social_handle lead_source referrer_contact_id marketing_consent "
            "consent_updated_at:timestamp created_at:timestamp updated_at:timestamp!"),
))
CRM_CAMPAIGNS = FeedFile("crm", "campaigns.csv", "csv", RawTable(
    "crm_campaigns",
    _fields("campaign_id:id! name channel objective start_date:date end_date:date spend:decimal currency"),
))
CRM_CAMPAIGN_ACTIVITY = FeedFile("crm", "campaign_activity.csv", "csv", RawTable(
    "crm_campaign_activity",
    _fields("activity_id:id! campaign_id:id! contact_id email phone activity_type occurred_at:timestamp"),
))
ORDERS = FeedFile(
    "orders", "orders.jsonl", "jsonl",
    RawTable(
        "orders",
        (
            *_fields("order_id:id! ordered_at:timestamp updated_at:timestamp! status channel store_id currency "
                     "promo_code campaign_id"),
            Field("customer_crm_contact_id", path="$.customer.crm_contact_id"),
            Field("customer_email", path="$.customer.email"),
            Field("customer_phone", path="$.customer.phone"),
            *_fields("discount:decimal shipping:decimal total:decimal"),
        ),
    ),
    children=(RawTable(
        "order_items",
        _fields("sku product_name category brand brand_tier quantity:integer unit_price:decimal"),
        array_path="$.items",
    ),),
)
SOCIAL_ENGAGEMENTS = FeedFile("social", "engagements.jsonl", "jsonl", RawTable(
    "social_engagements",
    (
        *_fields("event_id:id! platform event_type occurred_at:timestamp post_id campaign_id text"),
        Field("user_handle", path="$.user.handle"),
        Field("user_display_name", path="$.user.display_name"),
        Field("user_followers", "integer", path="$.user.followers"),
        Field("user_email", path="$.user.email"),
        Field("user_phone", path="$.user.phone"),
    ),
))
SURVEY_RESPONSES = FeedFile("survey", "responses.csv", "csv", RawTable(
    "survey_responses",
    _fields("response_id:id! survey_id submitted_at:timestamp contact_id email phone nps:integer csat:integer "
            "comment"),
))

# One Dagster ingestion asset per source feed.
FEEDS: dict[str, tuple[FeedFile, ...]] = {
    "crm": (CRM_CONTACTS, CRM_CAMPAIGNS, CRM_CAMPAIGN_ACTIVITY),
    "orders": (ORDERS,),
    "social": (SOCIAL_ENGAGEMENTS,),
    "survey": (SURVEY_RESPONSES,),
}
