{#- Trimmed text with empty strings as null: what every delivered text field gets in staging. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
