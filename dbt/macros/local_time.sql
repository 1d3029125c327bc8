{#- A UTC timestamp as wall-clock time of var('source_timezone'), still a plain timestamp. -#}
{% macro local_time(column) -%}
    {{ return(adapter.dispatch('local_time', 'marketing_dw')(column)) }}
{%- endmacro %}

{% macro default__local_time(column) -%}
    from_utc_timestamp({{ column }}, '{{ var("source_timezone") }}')
{%- endmacro %}

{% macro duckdb__local_time(column) -%}
    timezone('{{ var("source_timezone") }}', timezone('UTC', {{ column }}))
{%- endmacro %}
