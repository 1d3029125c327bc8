{#- dbt-duckdb 1.11 renders dbt.safe_cast as a plain cast; try_cast gives the documented null on failure. -#}
{% macro duckdb__safe_cast(field, type) -%}
    try_cast({{ field }} as {{ type }})
{%- endmacro %}
