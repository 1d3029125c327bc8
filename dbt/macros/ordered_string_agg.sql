{#-
    Values of a group joined with a delimiter in a given order (dbt.listagg ignores the order on
    Spark). order_by: one sortable expression; break ties inside it (e.g. a timestamp and an id
    joined as one string) so that two builds give the same string.
-#}
{% macro ordered_string_agg(expression, delimiter, order_by) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'marketing_dw')(expression, delimiter, order_by)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, delimiter, order_by) -%}
    array_join(
        transform(array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expression }} as value))), item -> item.value),
        {{ delimiter }}
    )
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, delimiter, order_by) -%}
    string_agg({{ expression }}, {{ delimiter }} order by {{ order_by }})
{%- endmacro %}
