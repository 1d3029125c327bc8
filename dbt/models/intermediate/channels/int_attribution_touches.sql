{#-
    One row per marketing touch of a known customer on or before the as_of date: campaign
    activity and social engagements carrying a campaign whose type has a positive weight in the
    seed attribution_touch_types, and orders placed with a campaign id or promo code (a touch at
    order time). The reporting channel is the campaign's (channel_map); a social engagement with a
    campaign the CRM does not know counts under its platform's channel, a promo code without a
    campaign under unknown_campaign.
-#}
{#- A view, read by int_attribution_journey_touches alone: its pre-hook compares every touch with
    the stored journeys, its build reads the touches of the customers it recomputes. Whether a
    table would pay for being written each day is not measured. -#}
{{ config(materialized='view') }}

with

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

campaigns as (
    select * from {{ ref('int_campaigns_classified') }}
),

touch_types as (
    select * from {{ ref('attribution_touch_types') }}
),

channel_map as (
    select * from {{ ref('channel_map') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

candidates as (
    select
        touchpoint_id as touch_id,
        customer_key,
        occurred_at as touched_at,
        source as touch_source,
        touchpoint_type as touch_type,
        campaign_id,
        case when source = 'social' then channel end as social_platform
    from touchpoints
    where
        (source = 'crm' or (source = 'social' and campaign_id is not null))
        and occurred_at is not null
    union all
    select
        {{ dbt.concat(["'orders|touch|'", "order_id"]) }} as touch_id,
        customer_key,
        ordered_at as touched_at,
        'orders' as touch_source,
        'order_with_campaign' as touch_type,
        campaign_id,
        cast(null as {{ dbt.type_string() }}) as social_platform
    from orders
    where
        customer_key is not null
        and ordered_at is not null
        and (campaign_id is not null or promo_code is not null)
),

final as (
    select
        candidates.touch_id,
        candidates.customer_key,
        candidates.touched_at,
        candidates.touch_source,
        candidates.touch_type,
        candidates.campaign_id,
        touch_types.touch_weight,
        coalesce(
            campaigns.reporting_channel,
            platform_map.reporting_channel,
            candidates.social_platform,
            'unknown_campaign'
        ) as reporting_channel
    from candidates
    inner join touch_types
        on candidates.touch_source = touch_types.touch_source and candidates.touch_type = touch_types.touch_type
    cross join as_of
    left join campaigns on candidates.campaign_id = campaigns.campaign_id
    left join channel_map as platform_map
        on platform_map.source_type = 'social_platform' and candidates.social_platform = platform_map.source_value
    where touch_types.touch_weight > 0 and cast(candidates.touched_at as date) <= as_of.as_of_date
)

select * from final
