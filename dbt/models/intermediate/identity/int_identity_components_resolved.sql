{#-
    One row per usable (non-junk) identifier with the connected component it belongs to.
    Records are hyperedges: a record with several identifiers links them (each to the record's
    smallest identifier). Components come from the connected_components macro (iterative
    minimum-label propagation over scratch tables), so the work grows with the number of edges;
    a component's id is its smallest identifier, so it depends on its members only.

    Incremental: a component can change only where the graph changed. The seeds are the
    identifiers whose records changed since the last build (int_identity_identifiers_linked
    restamps them, and the neighbours of an identifier whose over-linked flag flipped), the
    identifiers that became usable (new, or no longer junk) and those that stopped being usable
    (now junk, or on no record). The components holding a seed, or an identifier sharing a record
    with one that became usable, are recomputed whole (a merge joins them, a split divides them,
    each with every member); the others keep their rows. Only a newly usable identifier needs its
    neighbours looked up: every other seed has a component already, and a record that links it to
    another identifier anew (new or restaged) restamps that one too. Identifiers no longer usable
    are deleted after the build, and logged in int_identity_components_resolved__retired for
    customer_source_map (a record whose only usable identifier turned junk leaves it).

    _staged_at is when the identifier's component last changed: a recomputed row whose component
    is the one it had keeps its stamp, so the registry and customer_source_map, which look for
    rows stamped since their own last build, see only the identifiers that moved (a merge or a
    split moves at least one part: the part without the smallest identifier gets a new id).
-#}
-- depends_on: {{ ref('int_identity_identifiers_linked') }}
{{ config(
    materialized='incremental',
    unique_key='identifier_key',
    incremental_strategy='delete+insert',
    post_hook=[
        "drop table if exists {{ this.schema }}.{{ this.identifier }}__cc_labels",
        "drop table if exists {{ this.schema }}.{{ this.identifier }}__cc_nodes",
        "{{ create_retired_log(this) }}",
        "{{ log_rows('identifier_key', vanished_rows(ref('int_identity_identifiers_profiled'), 'identifier_key', 'not is_junk')) }}",
        "{{ delete_vanished_rows(ref('int_identity_identifiers_profiled'), 'identifier_key', 'not is_junk') }}",
    ]
) }}

{%- set usable -%}
    select identifier_key from {{ ref('int_identity_identifiers_profiled') }} where not is_junk
{%- endset -%}

{%- set clean_edges -%}
    select edges.record_key, edges.identifier_key
    from {{ ref('int_identity_edges_unpivoted') }} as edges
    inner join ({{ usable }}) as usable on edges.identifier_key = usable.identifier_key
{%- endset -%}

{%- set scratch = this.schema ~ '.' ~ this.identifier ~ '__cc' -%}

{%- if is_incremental() and execute and flags.WHICH in ['run', 'build'] -%}
    {%- set affected_nodes -%}
        with
        newly_usable as (
            select identifier_key from ({{ usable }}) as usable
            where identifier_key not in (select identifier_key from {{ this }})
        ),
        seeds as (
            select identifier_key from {{ ref('int_identity_identifiers_linked') }}
            where {{ staged_since_last_build() }}
            union
            select identifier_key from newly_usable
            union
            select identifier_key from {{ this }}
            where identifier_key not in ({{ usable }})
        ),
        touched as (
            select identifier_key from seeds
            union
            select identifier_key from {{ ref('int_identity_edges_unpivoted') }}
            where
                record_key in (
                    select record_key from {{ ref('int_identity_edges_unpivoted') }}
                    where identifier_key in (select identifier_key from newly_usable)
                )
                and identifier_key in ({{ usable }})
        ),
        affected_components as (
            select distinct previous.component_id
            from {{ this }} as previous
            inner join touched on previous.identifier_key = touched.identifier_key
        )
        select previous.identifier_key as node
        from {{ this }} as previous
        inner join affected_components on previous.component_id = affected_components.component_id
        where previous.identifier_key in ({{ usable }})
        union
        select touched.identifier_key as node
        from touched
        where touched.identifier_key in ({{ usable }})
    {%- endset -%}
    {%- do replace_table(scratch ~ '_nodes', affected_nodes) -%}
    {%- set nodes_sql = 'select node from ' ~ scratch ~ '_nodes' -%}
    {%- set scoped_edges -%}
        select clean.record_key, clean.identifier_key
        from ({{ clean_edges }}) as clean
        where clean.record_key in (
            select scoped.record_key from ({{ clean_edges }}) as scoped
            inner join {{ scratch }}_nodes as nodes on scoped.identifier_key = nodes.node
        )
    {%- endset -%}
{%- else -%}
    {%- set nodes_sql = usable | replace('select identifier_key', 'select identifier_key as node', 1) -%}
    {%- set scoped_edges = clean_edges -%}
{%- endif -%}

{%- set edges_sql -%}
    with clean as ({{ scoped_edges }})
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
    select * from {{ scratch }}_labels
),

profiled as (
    select * from {{ ref('int_identity_identifiers_profiled') }}
),

final as (
    select
        labels.node as identifier_key,
        labels.component_id,
        profiled.identifier_type,
        profiled.first_seen_at,
        {% if is_incremental() -%}
            case
                when previous.component_id = labels.component_id then previous._staged_at else {{ staged_at() }}
            end
        {%- else -%}
            {{ staged_at() }}
        {%- endif %} as _staged_at
    from labels
    inner join profiled on labels.node = profiled.identifier_key
    {% if is_incremental() -%}
        left join {{ this }} as previous on labels.node = previous.identifier_key
    {%- endif %}
)

select * from final
