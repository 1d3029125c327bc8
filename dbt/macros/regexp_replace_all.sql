{#-
    Replace every match of a pattern. DuckDB replaces only the first match unless given 'g';
    Spark always replaces all and reads a third argument as a position.
-#}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'marketing_dw')(value, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}
