{#- ISO day of the week of a date or timestamp: 1 Monday ... 7 Sunday. -#}
{% macro iso_weekday(column) -%}
    {{ return(adapter.dispatch('iso_weekday', 'marketing_dw')(column)) }}
{%- endmacro %}

{% macro default__iso_weekday(column) -%}
    ((dayofweek({{ column }}) + 5) % 7 + 1)
{%- endmacro %}

{% macro duckdb__iso_weekday(column) -%}
    isodow({{ column }})
{%- endmacro %}
