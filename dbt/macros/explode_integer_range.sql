{#- A set-returning expression: one row per integer from start to stop (both included). -#}
{% macro explode_integer_range(start, stop) -%}
    {{ return(adapter.dispatch('explode_integer_range', 'marketing_dw')(start, stop)) }}
{%- endmacro %}

{% macro default__explode_integer_range(start, stop) -%}
    explode(sequence(cast({{ start }} as int), cast({{ stop }} as int)))
{%- endmacro %}

{% macro duckdb__explode_integer_range(start, stop) -%}
    unnest(generate_series(cast({{ start }} as bigint), cast({{ stop }} as bigint)))
{%- endmacro %}
