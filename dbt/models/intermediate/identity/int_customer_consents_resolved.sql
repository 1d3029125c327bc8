{#-
    One row per customer with at least one contact point in core.contact_point_consent: the
    customer-level consent that dim_customers shows, derived from consent per address. A customer
    has marketing consent when at least one of their contact points is usable for at least one
    channel (consent held by that address itself, not junk); the latest decision on any of their
    contact points dates it. Customers without a contact point with a consent event are absent
    (dim_customers reads that as no consent). Audiences never read this flag: they read
    contact_point_consent per address and channel.
-#}
with

contact_point_consent as (
    select * from {{ ref('contact_point_consent') }}
    where customer_key is not null
),

latest_decisions as (
    {{ first_record(
        'select * from contact_point_consent',
        'customer_key',
        'decided_at desc nulls last, decided_by_event_id asc'
    ) }}
),

usable as (
    select
        customer_key,
        max(case when is_usable then 1 else 0 end) = 1 as has_marketing_consent,
        count(case when is_usable then 1 end) as usable_contact_points
    from contact_point_consent
    group by customer_key
),

final as (
    select
        usable.customer_key,
        usable.has_marketing_consent,
        usable.usable_contact_points,
        latest_decisions.decided_at as consent_at,
        latest_decisions.consent_state as consent_source,
        latest_decisions.decided_by_event_id as consent_event_id
    from usable
    inner join latest_decisions on usable.customer_key = latest_decisions.customer_key
)

select * from final
