{#- True when a period of validity_periods() applies on the given date. -#}
{% macro is_valid_on(period, day) -%}
    {{ day }} >= {{ period }}.valid_from and ({{ period }}.valid_until is null or {{ day }} < {{ period }}.valid_until)
{%- endmacro %}
