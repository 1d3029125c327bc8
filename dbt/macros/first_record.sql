{#-
    Keep one row per key: the first by the given order (write `desc` for the latest). The form of
    row_number() over (partition by key order by ...) = 1 that runs on Spark too: a subquery
    instead of qualify. order_by should end with a unique column and say nulls first or nulls
    last, so that two builds and two engines keep the same row. The rows keep a record_rank
    column (always 1): select the columns you need after it.
-#}
{% macro first_record(relation_sql, key, order_by) -%}
    select * from (
        select
            keyed_rows.*,
            row_number() over (
                partition by {{ key }}
                order by {{ order_by }}
            ) as record_rank
        from ({{ relation_sql }}) as keyed_rows
    ) as ranked
    where record_rank = 1
{%- endmacro %}
