{#- One row per source record that resolves to a customer: (source, table, record id) -> customer_key. -#}
with

records as (
    select * from {{ ref('int_identity_records_normalised') }}
),

edges as (
    select * from {{ ref('int_identity_edges_unpivoted') }}
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
        record_customers.customer_key
    from record_list
    inner join record_customers on record_list.record_key = record_customers.record_key
)

select * from final
