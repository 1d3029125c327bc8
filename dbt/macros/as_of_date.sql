{#-
    The date the marts are computed as of (YYYY-MM-DD): the dbt var as_of (unit tests set it), else
    the environment variable MDW_AS_OF (Dagster sets it to the run's partition, the delivery day),
    else the latest order date in the data. Never the wall clock, so a rerun or a backfill gives the
    same answer. MDW_AS_OF is read while executing only: dbt would otherwise record it at parse time
    and parse again every model that calls this macro whenever the day changes.
-#}
{% macro as_of_date() -%}
    {#- the dependency on fct_orders holds whether or not as_of is set, so that the graph dbt
        builds is the one Dagster read from the manifest (parsed without vars); recorded while
        parsing only (a unit test that sets as_of gives no fct_orders) -#}
    {%- if not execute -%}{%- do ref('fct_orders') -%}{%- endif -%}
    {%- set as_of = var('as_of', none) or (env_var('MDW_AS_OF', '') if execute else none) -%}
    {%- if as_of -%}
        {%- set parsed = modules.datetime.date.fromisoformat(as_of | string) -%}
        cast('{{ parsed.isoformat() }}' as date)
    {%- else -%}
        (select max(order_date) from {{ ref('fct_orders') }})
    {%- endif -%}
{%- endmacro %}
