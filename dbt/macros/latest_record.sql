{#-
    Keep one row per key: the latest version by the given order (most recent first), ties broken
    by the later load, file and line. Written with row_number() in a subquery rather than
    qualify so that the SQL also runs on Spark.
-#}
{% macro latest_record(relation_sql, key, order_by=none) -%}
    select * from (
        select
            versions.*,
            row_number() over (
                partition by {{ key }}
                order by {% if order_by %}{{ order_by }}, {% endif %}_loaded_at desc, _source_file desc, _source_line desc
            ) as version_rank
        from ({{ relation_sql }}) as versions
    ) as ranked
    where version_rank = 1
{%- endmacro %}
