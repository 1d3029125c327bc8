{#-
    A social account as an identifier: platform:handle, the handle trimmed and lower-cased; null
    without a platform or with an empty handle. Used by identity resolution and the consent ledger.
-#}
{% macro normalize_social_account(platform, handle) -%}
    case
        when {{ platform }} is not null and trim({{ handle }}) <> ''
            then {{ dbt.concat([platform, "':'", "lower(trim(" ~ handle ~ "))"]) }}
    end
{%- endmacro %}
