{#-
    The date the marts are computed as of: the dbt var as_of (YYYY-MM-DD, set by Dagster from the
    run's date), else the latest order date in the data. Never the wall clock, so a rerun or a
    backfill gives the same answer.
-#}
{% macro as_of_date() -%}
    {#- the dependency on fct_orders holds whether or not as_of is set, so that the graph dbt
        builds is the one Dagster read from the manifest (parsed without vars); recorded while
        parsing only (a unit test that sets as_of gives no fct_orders) -#}
    {%- if not execute -%}{%- do ref('fct_orders') -%}{%- endif -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of -%}
        {%- set parsed = modules.datetime.date.fromisoformat(as_of | string) -%}
        cast('{{ parsed.isoformat() }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('fct_orders') }})
    {%- endif -%}
{%- endmacro %}
