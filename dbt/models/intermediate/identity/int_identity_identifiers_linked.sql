{#-
    One row per identifier with the records it is on and the links those records give it: what
    int_identity_identifiers_profiled judges junk from (docs/identity.md).

    max_links_to_one_type: the most distinct identifiers of one other type it shares a record
    with, not counting identifiers that are themselves over-linked (linked to more than
    var('identity_max_links_per_type') identifiers of one other type, is_over_linked): a real
    email typed beside two shop-counter phones is still one person's email.

    Incremental: an identifier's figures change only when a record it is on changed, or when an
    identifier it shares a record with turned over-linked or stopped being so (those are not
    counted in its links). A build recomputes the identifiers on edges staged since its last build
    and those that lost an edge since then (int_identity_edges_unpivoted__retired); then, of those
    whose over-linked flag flipped, every identifier sharing a record with them; each from its
    edges only. The others keep their row: an identifier sharing only unchanged records with a
    changed one, whose flag stayed, has the same links (a shop-counter phone on a new order does
    not pull in the thousands of people it was typed beside). Identifiers on no record any more
    are deleted.
-#}
{%- set edges_model = ref('int_identity_edges_unpivoted') -%}
{{ config(
    materialized='incremental',
    unique_key='identifier_key',
    incremental_strategy='delete+insert',
    pre_hook=[
        "{{ create_retired_log(ref('int_identity_edges_unpivoted')) }}",
        "{{ delete_vanished_rows(ref('int_identity_edges_unpivoted'), 'identifier_key') }}",
    ],
    post_hook="{{ empty_retired_log(ref('int_identity_edges_unpivoted')) }}"
) }}

{#- The edges are read from the relation wherever they are used, not through a CTE: DuckDB
    materialises a CTE referenced more than once, a copy of every column of 67M rows at scale 10,
    then scans that copy (334 s of a 369 s daily build; 166 s read directly, 63 s with the
    semi-join of identifier_pair_links). -#}
with

{% if is_incremental() %}
    changed as (
        select identifier_key from {{ edges_model }}
        where {{ staged_since_last_build() }}
        union
        {{ retired_since_last_build(edges_model) }}
    ),

    changed_edges as (
        select edges.*
        from {{ edges_model }} as edges
        inner join changed on edges.identifier_key = changed.identifier_key
    ),

    changed_pair_links as (
        {{ identifier_pair_links('changed_edges', edges_model) }}
    ),

    changed_over_linked as (
        {{ over_linked_identifiers('changed_pair_links') }}
    ),

    -- stored identifiers whose over-linked flag is not what it was
    flipped as (
        select previous.identifier_key
        from {{ this }} as previous
        inner join changed on previous.identifier_key = changed.identifier_key
        left join changed_over_linked on previous.identifier_key = changed_over_linked.identifier_key
        where previous.is_over_linked <> (changed_over_linked.identifier_key is not null)
    ),

    neighbour_edges as (
        select edges.*
        from {{ edges_model }} as edges
        inner join (
            select distinct neighbours.identifier_key
            from {{ edges_model }} as flipped_edges
            inner join flipped on flipped_edges.identifier_key = flipped.identifier_key
            inner join {{ edges_model }} as neighbours on flipped_edges.record_key = neighbours.record_key
            left join changed on neighbours.identifier_key = changed.identifier_key
            where changed.identifier_key is null
        ) as neighbours on edges.identifier_key = neighbours.identifier_key
    ),

    scoped_edges as (
        select * from changed_edges
        union all
        select * from neighbour_edges
    ),

    neighbour_pair_links as (
        {{ identifier_pair_links('neighbour_edges', edges_model) }}
    ),

    pair_links as (
        select * from changed_pair_links
        union all
        select * from neighbour_pair_links
    ),

    -- the two sets are disjoint: the neighbours exclude the changed identifiers
    over_linked as (
        select * from changed_over_linked
        union all
        {{ over_linked_identifiers('neighbour_pair_links') }}
    ),
{% else %}
    scoped_edges as (
        select * from {{ edges_model }}
    ),

    pair_links as (
        {{ identifier_pair_links(edges_model, edges_model, scope_is_all_edges=true) }}
    ),

    over_linked as (
        {{ over_linked_identifiers('pair_links') }}
    ),
{% endif %}

record_counts as (
    select
        identifier_key,
        identifier_type,
        identifier_value,
        count(distinct record_key) as record_count,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from scoped_edges
    group by identifier_key, identifier_type, identifier_value
),

shared as (
    -- over-linked identifiers: those computed now as they are now, the others as stored
    select identifier_key from over_linked
    {% if is_incremental() %}
        union
        select previous.identifier_key
        from {{ this }} as previous
        left join record_counts on previous.identifier_key = record_counts.identifier_key
        where previous.is_over_linked and record_counts.identifier_key is null
    {% endif %}
),

links as (
    select
        pair_links.identifier_key,
        pair_links.other_type,
        count(*) as linked_identifiers
    from pair_links
    left join shared on pair_links.other_key = shared.identifier_key
    where shared.identifier_key is null
    group by pair_links.identifier_key, pair_links.other_type
),

max_links as (
    select
        identifier_key,
        max(linked_identifiers) as max_links_to_one_type
    from links
    group by identifier_key
),

final as (
    select
        record_counts.identifier_key,
        record_counts.identifier_type,
        record_counts.identifier_value,
        record_counts.record_count,
        coalesce(max_links.max_links_to_one_type, 0) as max_links_to_one_type,
        over_linked.identifier_key is not null as is_over_linked,
        record_counts.first_seen_at,
        record_counts.last_seen_at,
        {{ staged_at() }} as _staged_at
    from record_counts
    left join max_links on record_counts.identifier_key = max_links.identifier_key
    left join over_linked on record_counts.identifier_key = over_linked.identifier_key
)

select * from final
