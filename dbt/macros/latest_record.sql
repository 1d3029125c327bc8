{#-
    Keep one row per key: the latest version by the given order (most recent first), ties broken
    by the later load, file and line (first_record with the load columns as the last sort keys).
-#}
{% macro latest_record(relation_sql, key, order_by=none) -%}
    {%- set load_order = '_loaded_at desc, _source_file desc, _source_line desc' -%}
    {{ first_record(relation_sql, key, (order_by ~ ', ' if order_by else '') ~ load_order) }}
{%- endmacro %}
