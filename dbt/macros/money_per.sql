{#-
    An amount of money divided by a count, in cents, the same on every engine. DuckDB divides a
    decimal into a DOUBLE (613.43 / 2 is 306.71499...), Spark into an exact DECIMAL of 6 places
    (306.715000): cast to the other type, the same order value became 306.71 on one and 306.72 on
    the other. Cast to 6 decimal places first (which absorbs the binary noise), then round half
    away from zero to cents.
-#}
{% macro money_per(amount, count) -%}
    round(cast({{ amount }} / {{ count }} as decimal(38, 6)), 2)
{%- endmacro %}
