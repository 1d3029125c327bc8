{#-
    Every audience as it was selected, kept: one row per as-of date, audience, channel and member,
    treatment and control alike. Appended each run; a rerun for an as-of date already kept
    replaces all of that date's rows (unique_key is the date alone, so a member the rerun no longer
    selects goes too). Exempt from --full-refresh: the results of a campaign are measured against
    the audience it was sent to, after the audience has moved on.
-#}
{{ config(
    materialized='incremental',
    unique_key='as_of_date',
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
