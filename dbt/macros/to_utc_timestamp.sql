{#-
    Landing timestamps come as ISO 8601 text with an offset ('...+08:00', '...Z') or without one;
    naive values are local time of var('source_timezone'). Returns a plain timestamp in UTC.
    Values that do not parse become null (ingestion already quarantined the rows where a
    required timestamp did not parse).
-#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'marketing_dw')(column)) }}
{%- endmacro %}

{#- Spark (session time zone UTC): text with an offset casts to its instant; naive text is local. -#}
{% macro default__to_utc_timestamp(column) -%}
    case
        when trim({{ column }}) rlike '{{ utc_offset_pattern() }}'
            then cast(trim({{ column }}) as timestamp)
        else to_utc_timestamp(cast(trim({{ column }}) as timestamp), '{{ var("source_timezone") }}')
    end
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    case
        when regexp_matches(trim({{ column }}), '{{ utc_offset_pattern() }}')
            then timezone('UTC', try_cast(trim({{ column }}) as timestamptz))
        else timezone('UTC', timezone('{{ var("source_timezone") }}', try_cast(trim({{ column }}) as timestamp)))
    end
{%- endmacro %}

{#- A time of day followed by a UTC offset (Z, +08, +08:00, -0500). The time must be there: a date
    alone ('2026-03-01') is naive, its last '-01' is no offset. -#}
{% macro utc_offset_pattern() -%}
    :[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? *(Z|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}
