-- Every source record carrying at least one usable (non-junk) identifier maps to a customer. The
-- records on no customer are found first (an anti-join: few), then their identifiers judged; a
-- failing record is listed once per usable identifier.
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

unmapped_edges as (
    select
        edges.record_key,
        edges.identifier_key
    from edges
    where not exists (
        select 1 from source_map
        where source_map.record_key = edges.record_key
    )
)

select unmapped_edges.record_key
from unmapped_edges
inner join profiled on unmapped_edges.identifier_key = profiled.identifier_key
where not profiled.is_junk
