{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('crm', 'crm_campaigns'), 'campaign_id') }}"
) }}

with

source as (
    select * from {{ source('crm', 'crm_campaigns') }}
    {{ where_key_not_built('campaign_id') }}
),

typed as (
    select
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        lower({{ clean_text('channel') }}) as channel,
        lower({{ clean_text('objective') }}) as objective,
        cast({{ clean_text('start_date') }} as date) as start_date,
        cast({{ clean_text('end_date') }} as date) as end_date,
        cast({{ clean_text('spend') }} as decimal(18, 2)) as spend_amount,
        upper({{ clean_text('currency') }}) as currency,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('select * from typed', 'campaign_id') }}
),

final as (
    select
        campaign_id,
        campaign_name,
        channel,
        objective,
        start_date,
        end_date,
        spend_amount,
        currency,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
