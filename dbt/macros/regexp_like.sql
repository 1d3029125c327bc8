{#- True when the value matches the pattern (DuckDB regexp_matches, Spark rlike). -#}
{% macro regexp_like(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_like', 'marketing_dw')(value, pattern)) }}
{%- endmacro %}

{% macro default__regexp_like(value, pattern) -%}
    {{ value }} rlike '{{ pattern }}'
{%- endmacro %}

{% macro duckdb__regexp_like(value, pattern) -%}
    regexp_matches({{ value }}, '{{ pattern }}')
{%- endmacro %}
