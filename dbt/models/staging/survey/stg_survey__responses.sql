{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('survey', 'survey_responses'), 'response_id') }}"
) }}

with

source as (
    select * from {{ source('survey', 'survey_responses') }}
    {{ where_key_not_built('response_id') }}
),

typed as (
    select
        {{ clean_text('response_id') }} as response_id,
        {{ clean_text('survey_id') }} as survey_id,
        {{ to_utc_timestamp('submitted_at') }} as submitted_at,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('phone') }} as phone,
        cast({{ clean_text('nps') }} as integer) as nps_score,
        cast({{ clean_text('csat') }} as integer) as csat_score,
        {{ clean_text('comment') }} as response_comment,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('select * from typed', 'response_id') }}
),

final as (
    select
        response_id,
        survey_id,
        submitted_at,
        contact_id,
        email,
        phone,
        nps_score,
        csat_score,
        response_comment,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
