{#- One row per (source record, identifier) pair: the edges of the identity graph. -#}
with

records as (
    select * from {{ ref('int_identity_records_normalised') }}
),

unpivoted as (
    select
        record_key,
        occurred_at,
        'crm_contact_id' as identifier_type,
        crm_contact_id as identifier_value
    from records
    where crm_contact_id is not null
    union all
    select
        record_key,
        occurred_at,
        'email' as identifier_type,
        email as identifier_value
    from records
    where email is not null
    union all
    select
        record_key,
        occurred_at,
        'phone' as identifier_type,
        phone as identifier_value
    from records
    where phone is not null
    union all
    select
        record_key,
        occurred_at,
        'social_account' as identifier_type,
        social_account as identifier_value
    from records
    where social_account is not null
),

final as (
    select
        record_key,
        {{ dbt.concat(["identifier_type", "':'", "identifier_value"]) }} as identifier_key,
        identifier_type,
        identifier_value,
        min(occurred_at) as occurred_at
    from unpivoted
    group by record_key, identifier_type, identifier_value
)

select * from final
