{#-
    One row per declared audience and channel, from the list in audiences.yml (this model's meta),
    with the defaults filled in (vars audience_control_share, audience_frequency_cap) and an MD5 of
    each audience's definition as declared.
-#}
{#- var audiences replaces the declared list (dbt unit tests; trying an audience with --vars) -#}
{%- set audiences = var('audiences', none) or config.get('meta', {}).get('audiences', []) -%}
with

channel_points as (
    select
        channel,
        max(export_as) as export_as
    from {{ ref('channel_contact_points') }}
    group by channel
),

declared as (
    {%- for audience in audiences %}
        {%- for channel in audience['channels'] %}
    select
        {{ quoted_literal(audience['name']) }} as audience_name,
        {{ quoted_literal(channel) }} as channel,
        {{ quoted_literal(audience['objective']) }} as objective,
        {{ quoted_literal(audience['rule']) }} as rule,
        {{ quoted_literal(audience['because']) }} as selected_because,
        cast({{ audience['priority'] | int }} as integer) as priority,
        cast({{ audience.get('control_share', var('audience_control_share')) | float }} as double) as control_share,
        cast({{ audience.get('frequency_cap', var('audience_frequency_cap')) | int }} as integer) as frequency_cap,
        {{ quoted_literal(local_md5(tojson(audience))) }} as definition_md5
            {%- if not loop.last %}
    union all
            {%- endif %}
        {%- endfor %}
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as audience_name,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(null as {{ dbt.type_string() }}) as objective,
        cast(null as {{ dbt.type_string() }}) as rule,
        cast(null as {{ dbt.type_string() }}) as selected_because,
        cast(null as integer) as priority,
        cast(null as double) as control_share,
        cast(null as integer) as frequency_cap,
        cast(null as {{ dbt.type_string() }}) as definition_md5
    where 1 = 0
    {%- endfor %}
),

final as (
    select
        declared.audience_name,
        declared.channel,
        declared.objective,
        declared.rule,
        declared.selected_because,
        declared.priority,
        declared.control_share,
        declared.frequency_cap,
        channel_points.export_as,
        declared.definition_md5
    from declared
    left join channel_points on declared.channel = channel_points.channel
)

select * from final
