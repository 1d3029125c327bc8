{#- int_identity_identifiers_linked's two steps, run over every identifier on a first build and
    over the changed ones and their neighbours on an incremental one. -#}

{#- The distinct identifiers of another type sharing a record (in `edges`) with each identifier on
    the edges `scope`. A scope narrower than all edges first picks the edges on its records (a
    semi-join): joined whole, the engine may build its hash table on every edge (57 s at scale 10,
    against about 30 s for the semi-join), since it cannot tell how few rows the scope has. -#}
{% macro identifier_pair_links(scope, edges, scope_is_all_edges=false) -%}
    select distinct
        scoped.identifier_key,
        other.identifier_type as other_type,
        other.identifier_key as other_key
    from {{ scope }} as scoped
    inner join
        {%- if scope_is_all_edges %} {{ edges }} as other
        {%- else %} (
            select
                record_key,
                identifier_type,
                identifier_key
            from {{ edges }}
            where record_key in (select scope_records.record_key from {{ scope }} as scope_records)
        ) as other
        {%- endif %}
        on scoped.record_key = other.record_key and scoped.identifier_type <> other.identifier_type
{%- endmacro %}


{#- The identifiers of the pair `links` linked to more than identity_max_links_per_type identifiers
    of one other type. -#}
{% macro over_linked_identifiers(links) -%}
    select distinct identifier_key
    from (
        select identifier_key
        from {{ links }}
        group by identifier_key, other_type
        having count(*) > {{ var('identity_max_links_per_type') }}
    ) as over_linked_types
{%- endmacro %}
