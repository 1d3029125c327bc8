{#-
    One row per customer key that was replaced: a BI user holding an old key follows it to the
    new one. Appended on each run where keys changed; exempt from --full-refresh.
    reason: merge (the old key's person joined an older customer) or split (the old key stayed
    with another part of its former person).
-#}
{{ config(
    materialized='incremental',
    full_refresh=false,
    schema='core'
) }}

with

registry as (
    select * from {{ ref('identity_key_registry') }}
),

high_water_mark as (
    {% if is_incremental() %}
        select max(changed_at) as changed_at from {{ this }}
    {% else %}
        select cast(null as timestamp) as changed_at
    {% endif %}
),

changes as (
    select distinct
        registry.previous_customer_key as old_customer_key,
        registry.customer_key as new_customer_key,
        registry.key_changed_at as changed_at
    from registry
    cross join high_water_mark
    where
        registry.key_changed_at is not null
        and (high_water_mark.changed_at is null or registry.key_changed_at > high_water_mark.changed_at)
),

surviving_keys as (
    select distinct customer_key from registry
),

final as (
    select
        changes.old_customer_key,
        changes.new_customer_key,
        changes.changed_at,
        case when surviving_keys.customer_key is not null then 'split' else 'merge' end as reason
    from changes
    left join surviving_keys on changes.old_customer_key = surviving_keys.customer_key
)

select * from final
