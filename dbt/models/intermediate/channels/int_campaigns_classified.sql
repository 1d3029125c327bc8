{#-
    One row per campaign with the reporting channel its channel rolls up to (seed channel_map); a
    channel missing from the map keeps its own name, so its spend is reported, never dropped.
-#}
with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

channel_map as (
    select * from {{ ref('channel_map') }}
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.objective,
        campaigns.start_date,
        campaigns.end_date,
        campaigns.currency,
        coalesce(channel_map.reporting_channel, campaigns.channel, 'unknown') as reporting_channel,
        coalesce(campaigns.spend_amount, 0) as spend_amount
    from campaigns
    left join channel_map
        on channel_map.source_type = 'campaign_channel' and campaigns.channel = channel_map.source_value
)

select * from final
