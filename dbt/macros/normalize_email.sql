{#-
    Email as an identifier: trimmed and lower-cased; null unless it looks like local@domain.tld
    (no spaces, one @, a dot in the domain), so junk never becomes a key.
-#}
{% macro normalize_email(column) -%}
    case
        when {{ regexp_like('lower(trim(' ~ column ~ '))', '^[a-z0-9._%+-]+@[a-z0-9-]+([.][a-z0-9-]+)*[.][a-z]{2,}$') }}
            then lower(trim({{ column }}))
    end
{%- endmacro %}
