{#-
    The raw tables as the engine sees them. On DuckDB the loader writes them into the warehouse
    itself: nothing to do. On Spark they are the Parquet raw layer the loader writes
    (dagster_project/ingest/raw_parquet.py, under MDW_RAW_PARQUET): each dbt source of schema raw is an
    external table over its folder, dropped and created again at the start of every dbt
    invocation, so that it lists the day files as they are now and a column added to the landing
    contract appears. Dropping an external table leaves its files alone.
-#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables', 'marketing_dw')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
{%- endmacro %}

{% macro spark__register_raw_tables() -%}
    {%- if execute -%}
        {%- set root = env_var('MDW_RAW_PARQUET', 'data/raw_parquet') -%}
        {#- the raw layer only: the tables fitted in Python are Spark tables of their own -#}
        {%- set raw_sources = graph.sources.values() | selectattr('schema', 'equalto', 'raw') | list -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for source in raw_sources | sort(attribute='unique_id') -%}
            {%- do run_query('drop table if exists ' ~ source.schema ~ '.' ~ source.identifier) -%}
            {%- do run_query('create table ' ~ source.schema ~ '.' ~ source.identifier
                ~ ' using parquet location ' ~ quoted_literal(root ~ '/' ~ source.identifier)) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
