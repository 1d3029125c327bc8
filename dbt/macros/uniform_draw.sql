{#-
    A number in [0, 1) drawn from the text of `key` alone: the first 8 hex digits of its MD5 as an
    integer over 16^8. The same key gives the same draw in every build and on every engine, so a
    control group is the same on a rerun.
-#}
{% macro uniform_draw(key) -%}
    {{ return(adapter.dispatch('uniform_draw', 'marketing_dw')(key)) }}
{%- endmacro %}

{% macro default__uniform_draw(key) -%}
    cast(conv(substr(md5({{ key }}), 1, 8), 16, 10) as double) / 4294967296.0
{%- endmacro %}

{% macro duckdb__uniform_draw(key) -%}
    cast(cast(('0x' || substr(md5({{ key }}), 1, 8)) as bigint) as double) / 4294967296.0
{%- endmacro %}
