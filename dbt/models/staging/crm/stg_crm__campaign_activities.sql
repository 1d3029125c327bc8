{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('crm', 'crm_campaign_activity'), 'activity_id') }}"
) }}

with

source as (
    select * from {{ source('crm', 'crm_campaign_activity') }}
    {{ where_key_not_built('activity_id') }}
),

typed as (
    select
        {{ clean_text('activity_id') }} as activity_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('phone') }} as phone,
        lower({{ clean_text('activity_type') }}) as activity_type,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('select * from typed', 'activity_id') }}
),

final as (
    select
        activity_id,
        campaign_id,
        contact_id,
        email,
        phone,
        activity_type,
        occurred_at,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
