{#-
    One row per identifier ever resolved, with the customer_key its person has now. This is the
    memory that keeps keys stable: it is incremental and exempt from --full-refresh, so a full
    rebuild of everything else still finds yesterday's keys here.

    Rules: a component keeps a key one of its identifiers already had. When a component holds
    several old keys (people merged), the oldest key survives (earliest key_created_at). When an
    old key's identifiers now sit in several components (a person split), the key stays with the
    component holding the identifier it was first derived from (its anchor), else with the one
    holding most of its identifiers. A component without a key gets one derived from its oldest
    identifier, so the same data always gets the same keys.

    Each build reads the components with an identifier that moved since its last one
    (int_identity_components_resolved stamps an identifier when its component changes), with all
    their members, and every component holding an identifier that shares an old key with a moved
    one: an old key's identifiers all sat in one component, so every component that holds one of
    them now is read, and the rules need nothing else.
-#}
{{ config(
    materialized='incremental',
    unique_key='identifier_key',
    incremental_strategy='delete+insert',
    full_refresh=false,
    schema='core'
) }}

{%- set run_at = staged_at() -%}

with

components as (
    -- the components with an identifier that moved since the registry's last build, and those
    -- holding an identifier whose key a moved one had (the rest of a split): only their
    -- identifiers can change key
    select * from {{ ref('int_identity_components_resolved') }}
    {% if is_incremental() %}
        where component_id in (
            select resolved.component_id
            from {{ ref('int_identity_components_resolved') }} as resolved
            left join {{ this }} as keyed on resolved.identifier_key = keyed.identifier_key
            where
                resolved._staged_at > (select max(resolved_at) from {{ this }})
                or keyed.customer_key in (
                    select moved_keys.customer_key
                    from {{ this }} as moved_keys
                    inner join {{ ref('int_identity_components_resolved') }} as moved
                        on moved_keys.identifier_key = moved.identifier_key
                    where moved._staged_at > (select max(resolved_at) from {{ this }})
                )
        )
    {% endif %}
),

previous as (
    {% if is_incremental() %}
        select
            identifier_key,
            customer_key,
            key_anchor_key,
            key_created_at,
            previous_customer_key,
            key_changed_at
        from {{ this }}
    {% else %}
        select
            cast(null as {{ dbt.type_string() }}) as identifier_key,
            cast(null as {{ dbt.type_string() }}) as customer_key,
            cast(null as {{ dbt.type_string() }}) as key_anchor_key,
            cast(null as timestamp) as key_created_at,
            cast(null as {{ dbt.type_string() }}) as previous_customer_key,
            cast(null as timestamp) as key_changed_at
        where 1 = 0
    {% endif %}
),

candidates as (
    select
        components.component_id,
        previous.customer_key,
        previous.key_anchor_key,
        min(previous.key_created_at) as key_created_at,
        count(*) as identifiers_with_key,
        max(case when components.identifier_key = previous.key_anchor_key then 1 else 0 end) as holds_anchor
    from components
    inner join previous on components.identifier_key = previous.identifier_key
    group by components.component_id, previous.customer_key, previous.key_anchor_key
),

key_winners as (
    {{ first_record(
        'select * from candidates',
        'customer_key',
        'holds_anchor desc, identifiers_with_key desc, component_id asc'
    ) }}
),

component_keys as (
    {{ first_record(
        'select component_id, customer_key, key_anchor_key, key_created_at from key_winners',
        'component_id',
        'key_created_at asc nulls last, customer_key asc'
    ) }}
),

component_oldest as (
    {{ first_record(
        'select component_id, identifier_key as oldest_identifier_key, first_seen_at from components',
        'component_id',
        'first_seen_at asc nulls last, oldest_identifier_key asc'
    ) }}
),

assigned as (
    select
        component_oldest.component_id,
        coalesce(
            component_keys.customer_key,
            {{ dbt.concat(["'CUS-'", "substr(" ~ dbt.hash("component_oldest.oldest_identifier_key") ~ ", 1, 16)"]) }}
        ) as customer_key,
        coalesce(component_keys.key_anchor_key, component_oldest.oldest_identifier_key) as key_anchor_key,
        coalesce(component_keys.key_created_at, component_oldest.first_seen_at) as key_created_at
    from component_oldest
    left join component_keys on component_oldest.component_id = component_keys.component_id
),

final as (
    select
        components.identifier_key,
        components.identifier_type,
        components.component_id,
        assigned.customer_key,
        assigned.key_anchor_key,
        assigned.key_created_at,
        case
            when previous.customer_key <> assigned.customer_key then previous.customer_key
            else previous.previous_customer_key
        end as previous_customer_key,
        case
            when previous.customer_key <> assigned.customer_key then {{ run_at }}
            else previous.key_changed_at
        end as key_changed_at,
        {{ run_at }} as resolved_at
    from components
    inner join assigned on components.component_id = assigned.component_id
    left join previous on components.identifier_key = previous.identifier_key
)

select * from final
