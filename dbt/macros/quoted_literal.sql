{#- A string literal of any text: quotes doubled (DuckDB) or escaped with a backslash (Spark). -#}
{% macro quoted_literal(value) -%}
    {{ return(adapter.dispatch('quoted_literal', 'marketing_dw')(value)) }}
{%- endmacro %}

{% macro default__quoted_literal(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}

{% macro duckdb__quoted_literal(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
