{#-
    The `delete+insert` incremental strategy on Spark tables without Delta or Iceberg (their jars
    are not part of PySpark), which take neither DELETE nor MERGE. The incremental models' delete
    hooks cannot run there either: on Spark, build with --full-refresh, which rebuilds them all
    except the models exempt from it (full_refresh=false: identity_key_registry,
    audience_member_snapshots), which keep what earlier runs wrote. Their upsert is a rewrite: the
    rows of keys the new batch does not hold plus the batch go to a scratch table, which then
    overwrites the model's table (Spark cannot overwrite a table it reads from in the same
    statement), and the scratch table is dropped.
    dbt-spark's two macros below accept only its own strategies: these project versions (which
    take precedence) add this one and keep dbt-spark's append, insert_overwrite and merge.
-#}
{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) %}
    {%- if raw_strategy not in ['append', 'insert_overwrite', 'merge', 'delete+insert'] -%}
        {%- do exceptions.raise_compiler_error('Invalid incremental strategy provided: ' ~ raw_strategy
            ~ ". Expected one of: 'append', 'insert_overwrite', 'merge', 'delete+insert'") -%}
    {%- endif -%}
    {%- if raw_strategy == 'merge' and file_format not in ['delta', 'iceberg', 'hudi'] -%}
        {%- do exceptions.raise_compiler_error("The merge strategy needs file_format delta, iceberg or hudi") -%}
    {%- endif -%}
    {%- do return(raw_strategy) -%}
{% endmacro %}


{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) %}
    {%- if strategy == 'append' -%}
        {{ get_insert_into_sql(source, target) }}
    {%- elif strategy == 'insert_overwrite' -%}
        {{ get_insert_overwrite_sql(source, target, existing) }}
    {%- elif strategy == 'merge' -%}
        {{ get_merge_sql(target, source, unique_key, dest_columns=none, incremental_predicates=incremental_predicates) }}
    {%- else -%}
        {{ spark_delete_insert_sql(source, target, unique_key) }}
    {%- endif -%}
{% endmacro %}


{% macro spark_delete_insert_sql(source, target, unique_key) %}
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
