{#- Elapsed seconds from one timestamp to a later one (not boundaries crossed, unlike dbt.datediff). -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('seconds_between', 'marketing_dw')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    (unix_timestamp({{ end_timestamp }}) - unix_timestamp({{ start_timestamp }}))
{%- endmacro %}

{% macro duckdb__seconds_between(start_timestamp, end_timestamp) -%}
    (epoch({{ end_timestamp }}) - epoch({{ start_timestamp }}))
{%- endmacro %}
