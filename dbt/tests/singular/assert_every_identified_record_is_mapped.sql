-- Every source record carrying at least one usable (non-junk) identifier maps to a customer.
{{ config(meta={'dagster': {'ref': {'name': 'customer_source_map'}}}) }}
with

edges as (
    select * from {{ ref('int_identity_edges_unpivoted') }}
),

profiled as (
    select * from {{ ref('int_identity_identifiers_profiled') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

identified as (
    select distinct edges.record_key
    from edges
    inner join profiled on edges.identifier_key = profiled.identifier_key
    where not profiled.is_junk
)

select identified.record_key
from identified
left join source_map on identified.record_key = source_map.record_key
where source_map.record_key is null
