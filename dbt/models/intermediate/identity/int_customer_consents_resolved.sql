{#-
    One row per customer with at least one consent event: the event that decides their marketing
    consent now. The latest event wins; at the same instant a withdrawal beats a grant.
    Customers without an event are not here (dim_customers reads that as no consent).
-#}
{#- A view: read once, by dim_customers. -#}
{{ config(materialized='view') }}

with

consent_events as (
    select * from {{ ref('int_consent_events_unioned') }}
),

latest_events as (
    {{ first_record(
        'select * from consent_events',
        'customer_key',
        'consent_at desc nulls last, case when has_marketing_consent then 1 else 0 end asc, consent_event_id asc'
    ) }}
),

final as (
    select
        customer_key,
        has_marketing_consent,
        consent_at,
        consent_source,
        consent_event_id
    from latest_events
)

select * from final
