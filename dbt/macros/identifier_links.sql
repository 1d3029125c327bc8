{#- int_identity_identifiers_linked's two steps, run over every identifier on a first build and
    over the changed ones and their neighbours on an incremental one. -#}

{#- The distinct identifiers of another type sharing a record (in `edges`) with each identifier on
    the edges `scope`. -#}
{% macro identifier_pair_links(scope, edges) -%}
    select distinct
        scoped.identifier_key,
        other.identifier_type as other_type,
        other.identifier_key as other_key
    from {{ scope }} as scoped
    inner join {{ edges }} as other
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
