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

unmapped as (
    select distinct
        records.record_key,
        records.source,
        records.source_table,
        records.record_id
    from records
    where not exists (
        select 1 from source_map
        where source_map.record_key = records.record_key
    )
),

-- the unmapped records with an identifier at all (every one of them junk); edges of mapped records unread
identified as (
    select distinct edges.record_key from edges
    where edges.record_key in (select unmapped.record_key from unmapped)
),

final as (
    select
        unmapped.record_key,
        unmapped.source,
        unmapped.source_table,
        unmapped.record_id,
        case
            when identified.record_key is null then 'no valid identifier'
            else 'only shared (junk) identifiers'
        end as reason
    from unmapped
    left join identified on unmapped.record_key = identified.record_key
)

select * from final
