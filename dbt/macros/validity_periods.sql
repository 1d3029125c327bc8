{#-
    A dated seed (one row per key and valid_from) as periods: each row applies from its valid_from
    until the next row of the same key (valid_until; null while it is the latest). Join it with
    is_valid_on(), a range join with at most one match, instead of ranking every fact row.
-#}
{% macro validity_periods(relation, key_column) -%}
    select
        *,
        lead(valid_from) over (partition by {{ key_column }} order by valid_from) as valid_until
    from {{ relation }}
{%- endmacro %}
