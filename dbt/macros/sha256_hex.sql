{#- Hex SHA-256 of a string (DuckDB sha256, Spark sha2(..., 256)): what ad platforms match customers on. -#}
{% macro sha256_hex(value) -%}
    {{ return(adapter.dispatch('sha256_hex', 'marketing_dw')(value)) }}
{%- endmacro %}

{% macro default__sha256_hex(value) -%}
    sha2({{ value }}, 256)
{%- endmacro %}

{% macro duckdb__sha256_hex(value) -%}
    sha256({{ value }})
{%- endmacro %}
