{#-
    A set-returning expression: one row per day from start_date to end_date (both included), for a
    select list (`select id, {{ explode_date_range('start_date', 'end_date') }} as day from t`).
    Spark allows no generator inside another expression: cast the column in an outer query.
-#}
{% macro explode_date_range(start_date, end_date) -%}
    {{ return(adapter.dispatch('explode_date_range', 'marketing_dw')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__explode_date_range(start_date, end_date) -%}
    explode(sequence(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
{%- endmacro %}

{% macro duckdb__explode_date_range(start_date, end_date) -%}
    unnest(generate_series(cast({{ start_date }} as date), cast({{ end_date }} as date), interval 1 day))
{%- endmacro %}
