{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('social', 'social_engagements'), 'event_id') }}"
) }}

with

source as (
    select * from {{ source('social', 'social_engagements') }}
    {{ where_key_not_built('event_id') }}
),

typed as (
    select
        {{ clean_text('event_id') }} as event_id,
        lower({{ clean_text('platform') }}) as platform,
        lower({{ clean_text('event_type') }}) as event_type,
        {{ to_utc_timestamp('occurred_at') }} as occurred_at,
        {{ clean_text('post_id') }} as post_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('text') }} as engagement_text,
        {{ clean_text('user_handle') }} as user_handle,
        {{ clean_text('user_display_name') }} as user_display_name,
        cast({{ clean_text('user_followers') }} as bigint) as user_followers,
        {{ clean_text('user_email') }} as user_email,
        {{ clean_text('user_phone') }} as user_phone,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('select * from typed', 'event_id') }}
),

final as (
    select
        event_id,
        platform,
        event_type,
        occurred_at,
        post_id,
        campaign_id,
        engagement_text,
        user_handle,
        user_display_name,
        user_followers,
        user_email,
        user_phone,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
