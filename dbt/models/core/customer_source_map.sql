{#-
    One row per source record that resolves to a customer: (source, table, record id) -> customer_key.

    Incremental by record: a record's customer can change only when its edges changed (staged
    since the last build), when a component holding one of its identifiers was rebuilt (a merge
    or a split) or when one of its identifiers stopped being usable (logged by the components
    step). The pre-hook deletes those records and the records no longer on any edge
    (records_to_remap); the build appends every record the table does not hold, from its edges only.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook=[
        "{{ create_retired_log(ref('int_identity_components_resolved')) }}",
        "{% if is_incremental() %}delete from {{ this }} where {{ records_to_remap() }}{% endif %}",
    ],
    post_hook="{{ empty_retired_log(ref('int_identity_components_resolved')) }}"
) }}

with

-- the records the table does not hold (all on a full build)
records as (
    select * from {{ ref('int_identity_records_normalised') }}
    {{ where_key_not_built('record_key', 'record_key') }}
),

-- their edges (a semi-join: cheaper than a second anti-join against the table)
edges as (
    select * from {{ ref('int_identity_edges_unpivoted') }}
    {%- if is_incremental() %}
        where record_key in (select records.record_key from records)
    {%- endif %}
),

registry as (
    select * from {{ ref('identity_key_registry') }}
),

components as (
    select * from {{ ref('int_identity_components_resolved') }}
),

record_customers as (
    select
        edges.record_key,
        min(registry.customer_key) as customer_key
    from edges
    inner join components on edges.identifier_key = components.identifier_key
    inner join registry on components.identifier_key = registry.identifier_key
    group by edges.record_key
),

record_list as (
    select distinct
        record_key,
        source,
        source_table,
        record_id
    from records
),

final as (
    select
        record_list.record_key,
        record_list.source,
        record_list.source_table,
        record_list.record_id,
        record_customers.customer_key,
        {{ staged_at() }} as _staged_at
    from record_list
    inner join record_customers on record_list.record_key = record_customers.record_key
)

select * from final
