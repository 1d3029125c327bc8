{#- Audit: one row per source record that resolves to no customer, with the reason. -#}
with

records as (
    select * from {{ ref('int_identity_records_normalised') }}
),

edges as (
    select * from {{ ref('int_identity_edges_unpivoted') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

identifier_counts as (
    select
        record_key,
        count(*) as identifier_count
    from edges
    group by record_key
),

unmapped as (
    select distinct
        records.record_key,
        records.source,
        records.source_table,
        records.record_id
    from records
    left join source_map on records.record_key = source_map.record_key
    where source_map.record_key is null
),

final as (
    select
        unmapped.record_key,
        unmapped.source,
        unmapped.source_table,
        unmapped.record_id,
        case
            when identifier_counts.record_key is null then 'no valid identifier'
            else 'only shared (junk) identifiers'
        end as reason
    from unmapped
    left join identifier_counts on unmapped.record_key = identifier_counts.record_key
)

select * from final
