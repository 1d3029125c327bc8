{#-
    One row per usable (non-junk) identifier with the connected component it belongs to.
    Records are hyperedges: a record with several identifiers links them (each to the record's
    smallest identifier). Components come from the connected_components macro (iterative
    minimum-label propagation over scratch tables), so the work grows with the number of edges.
-#}
{{ config(
    post_hook="drop table if exists {{ this.schema }}.{{ this.identifier }}__cc_labels"
) }}

{%- set clean_edges -%}
    select edges.record_key, edges.identifier_key
    from {{ ref('int_identity_edges_unpivoted') }} as edges
    inner join {{ ref('int_identity_identifiers_profiled') }} as profiled
        on edges.identifier_key = profiled.identifier_key
    where not profiled.is_junk
{%- endset -%}

{%- set nodes_sql -%}
    select identifier_key as node from {{ ref('int_identity_identifiers_profiled') }} where not is_junk
{%- endset -%}

{%- set edges_sql -%}
    with clean as ({{ clean_edges }})
    select clean.identifier_key as node_a, anchors.anchor_key as node_b
    from clean
    inner join (
        select record_key, min(identifier_key) as anchor_key
        from clean
        group by record_key
        having count(*) > 1
    ) as anchors on clean.record_key = anchors.record_key
{%- endset -%}

{%- set rounds = connected_components(nodes_sql, edges_sql, this.schema, this.identifier ~ '__cc') -%}

with

labels as (
    select * from {{ this.schema }}.{{ this.identifier }}__cc_labels
),

profiled as (
    select * from {{ ref('int_identity_identifiers_profiled') }}
),

final as (
    select
        labels.node as identifier_key,
        labels.component_id,
        profiled.identifier_type,
        profiled.first_seen_at
    from labels
    inner join profiled on labels.node = profiled.identifier_key
)

select * from final
