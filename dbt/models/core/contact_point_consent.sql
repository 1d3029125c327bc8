{#-
    The current consent of every contact point for every channel it has a consent event for: the
    latest event of the ledger (fct_consent_events) decides; at the same instant a withdrawal,
    unsubscribe or bounce beats a grant. An address is usable for a channel only when it holds
    current consent for that channel itself, is not an identifier the identity layer flagged as
    junk (identity_junk_identifiers: a placeholder or a shared address) and belongs to a customer
    resolved in this build.
    A contact point without any event is not here: it has no consent.
-#}
with

consent_events as (
    select * from {{ ref('fct_consent_events') }}
),

junk as (
    select * from {{ ref('identity_junk_identifiers') }}
),

registry as (
    select * from {{ ref('identity_key_registry') }}
),

components as (
    select * from {{ ref('int_identity_components_resolved') }}
),

-- identifiers resolved in this build, with the key of their customer
identifiers as (
    select
        registry.identifier_key,
        registry.customer_key
    from registry
    inner join components on registry.identifier_key = components.identifier_key
),

latest_events as (
    {{ first_record(
        'select * from consent_events',
        'contact_point_key, channel',
        'occurred_at desc nulls last, case when grants_consent then 1 else 0 end asc, consent_event_id asc'
    ) }}
),

final as (
    select
        latest_events.contact_point_key,
        latest_events.channel,
        latest_events.contact_point_type,
        latest_events.contact_point,
        identifiers.customer_key,
        latest_events.grants_consent as has_consent,
        latest_events.event_type as consent_state,
        latest_events.occurred_at as decided_at,
        latest_events.consent_event_id as decided_by_event_id,
        junk.identifier_key is not null as is_junk,
        latest_events.grants_consent and junk.identifier_key is null and identifiers.customer_key is not null
            as is_usable
    from latest_events
    left join junk on latest_events.contact_point_key = junk.identifier_key
    left join identifiers on latest_events.contact_point_key = identifiers.identifier_key
)

select * from final
