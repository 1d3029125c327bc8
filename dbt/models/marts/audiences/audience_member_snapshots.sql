{#-
    Every audience as it was selected, kept: one row per as-of date, audience, channel and member,
    treatment and control alike. Appended each run (the members of the run's as-of date replace
    that date's rows) and exempt from --full-refresh: the results of a campaign are measured
    against the audience it was sent to, after the audience has moved on.
-#}
{{ config(
    materialized='incremental',
    unique_key=['as_of_date', 'audience_name', 'channel', 'customer_key'],
    incremental_strategy='delete+insert',
    full_refresh=false
) }}

with

members as (
    select * from {{ ref('mart_audience_members') }}
),

final as (
    select
        as_of_date,
        audience_name,
        channel,
        customer_key,
        is_control_group,
        definition_md5
    from members
)

select * from final
