{#-
    Phone as an identifier in E.164 (+<country><number>). Every format of the landing contract
    collapses to one value: +86 138 0013 8000, 13800138000, 0086-138-0013-8000, (138) 0013-8000.
    Rules, on the digits alone:
      - a leading international prefix 00 is dropped (0086... -> 86...);
      - 11 digits starting with 1 (a Chinese mobile) get country code 86;
      - 86 followed by 9-11 digits (mobile or landline with area code) is Chinese;
      - a number written with + and another country code is kept as it is (8-15 digits);
      - anything else (too short, too long, no country) becomes null.
    var('default_country_code') (86) is the country assumed for national numbers.
-#}
{% macro normalize_phone(column) -%}
    {%- set digits = regexp_replace_all(column, '[^0-9]', '') -%}
    {%- set cc = var('default_country_code', '86') | string -%}
    case
        when {{ column }} is null then null
        when left(ltrim({{ column }}), 1) = '+' or left({{ digits }}, 2) = '00' then
            case
                when left(ltrim({{ column }}), 1) = '+' and length({{ digits }}) between 8 and 15
                    then '+' || {{ digits }}
                when left({{ digits }}, 2) = '00' and length({{ digits }}) between 10 and 17
                    then '+' || substr({{ digits }}, 3)
            end
        when length({{ digits }}) = 11 and left({{ digits }}, 1) = '1' then '+{{ cc }}' || {{ digits }}
        when left({{ digits }}, {{ cc | length }}) = '{{ cc }}' and length({{ digits }}) between {{ 9 + cc | length }} and {{ 11 + cc | length }}
            then '+' || {{ digits }}
    end
{%- endmacro %}
