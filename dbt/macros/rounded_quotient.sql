{#-
    numerator / denominator rounded to `places` decimals, the same on every engine. With a decimal
    numerator DuckDB divides into a DOUBLE (613.43 / 2 is 306.71499...) and Spark into an exact
    DECIMAL of 6 places (306.715000): rounded or cast to cents, the same order value became 306.71
    on one engine and 306.72 on the other. Cast to 6 places first (which absorbs the binary noise),
    then round half away from zero. For shares that are not rounded, divide a double instead
    (`cast(x as double) / y`): the same IEEE arithmetic on both.
-#}
{% macro rounded_quotient(numerator, denominator, places=2) -%}
    round(cast(({{ numerator }}) / ({{ denominator }}) as decimal(38, 6)), {{ places }})
{%- endmacro %}
