{#- Consent and flag spellings of the landing contract (true/false, yes/no, 1/0, Y/N, any case). -#}
{% macro parse_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', 'yes', 'y', '1') then true
        when lower(trim({{ column }})) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}
