{#-
    The `delete+insert` incremental strategy on Spark tables without Delta or Iceberg (their jars
    are not part of PySpark), which take neither DELETE nor MERGE. The incremental models' delete
    hooks cannot run there either: on Spark, build with --full-refresh, which rebuilds them all
    except the models exempt from it (full_refresh=false: identity_key_registry,
    audience_member_snapshots), which keep what earlier runs wrote. Their upsert is a rewrite: the
    rows of keys the new batch does not hold plus the batch go to a scratch table, which then
    overwrites the model's table (Spark cannot overwrite a table it reads from in the same
    statement), and the scratch table is dropped.
    dbt-spark accepts only its own strategies; these two overrides add this one and hand every
    other strategy to dbt-spark's own macro.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy == 'delete+insert' -%}
        {%- do return(raw_strategy) -%}
    {%- endif -%}
    {%- do return(dbt_spark.dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format)) -%}
{% endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy != 'delete+insert' -%}
        {{ return(dbt_spark.dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates)) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(target) | map(attribute='quoted') | join(', ') -%}
    {%- set scratch = target.incorporate(path={'identifier': target.identifier ~ '__dbt_rewrite'}) -%}
    {%- do run_query('drop table if exists ' ~ scratch) -%}
    {%- call statement('rewrite') -%}
        create table {{ scratch }} as
        select {{ columns }} from {{ target }}
        where {{ unique_key }} not in (select {{ unique_key }} from {{ source }} where {{ unique_key }} is not null)
        union all
        select {{ columns }} from {{ source }}
    {%- endcall -%}
    {%- call statement('overwrite') -%}
        insert overwrite table {{ target }} select {{ columns }} from {{ scratch }}
    {%- endcall -%}
    drop table {{ scratch }}
{% endmacro %}
