{#-
    One row per customer: the last interaction (when, which channel, what happened) and the last
    campaign that reached them with how far it got (sent < delivered < opened < clicked <
    converted; bounced and unsubscribed reported as such), so the next contact picks up from there.

    Incremental by customer (macro delete_changed_customers): the pre-hook deletes the customers
    with a touchpoint written in fct_touchpoints since the last build, with another number of
    touchpoints than the stored touchpoint_count (one lost to another customer or retracted), and
    the keys fct_touchpoints no longer has; the build appends every customer the table does not
    hold, from all their touchpoints.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_customers(ref('fct_touchpoints'), 'touchpoint_count') }}"
) }}

with

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
    {{ where_key_not_built('customer_key', 'customer_key') }}
),

touchpoint_counts as (
    select
        customer_key,
        count(*) as touchpoint_count
    from touchpoints
    group by customer_key
),

last_touch as (
    {{ first_record(
        'select * from touchpoints',
        'customer_key',
        'occurred_at desc nulls last, touchpoint_id desc'
    ) }}
),

campaign_steps as (
    select
        customer_key,
        campaign_id,
        max(occurred_at) as last_campaign_activity_at,
        max(case touchpoint_type
            when 'sent' then 1 when 'delivered' then 2 when 'opened' then 3
            when 'clicked' then 4 when 'converted' then 5 else 0
        end) as furthest_step,
        max(case when touchpoint_type = 'bounced' then 1 else 0 end) as has_bounced,
        max(case when touchpoint_type = 'unsubscribed' then 1 else 0 end) as has_unsubscribed
    from touchpoints
    where source = 'crm'
    group by customer_key, campaign_id
),

last_campaign as (
    {{ first_record(
        'select * from campaign_steps',
        'customer_key',
        'last_campaign_activity_at desc nulls last, campaign_id desc nulls last'
    ) }}
),

final as (
    select
        last_touch.customer_key,
        last_touch.occurred_at as last_contact_at,
        last_touch.source as last_contact_source,
        last_touch.channel as last_contact_channel,
        last_touch.touchpoint_type as last_contact_type,
        last_campaign.campaign_id as last_campaign_id,
        last_campaign.last_campaign_activity_at,
        case
            when last_campaign.has_unsubscribed = 1 then 'unsubscribed'
            when last_campaign.has_bounced = 1 then 'bounced'
            when last_campaign.furthest_step = 5 then 'converted'
            when last_campaign.furthest_step = 4 then 'clicked'
            when last_campaign.furthest_step = 3 then 'opened'
            when last_campaign.furthest_step = 2 then 'delivered'
            when last_campaign.furthest_step = 1 then 'sent'
        end as last_campaign_furthest_step,
        touchpoint_counts.touchpoint_count,
        {{ staged_at() }} as _staged_at
    from last_touch
    inner join touchpoint_counts on last_touch.customer_key = touchpoint_counts.customer_key
    left join last_campaign on last_touch.customer_key = last_campaign.customer_key
)

select * from final
