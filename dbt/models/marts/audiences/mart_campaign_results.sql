{#-
    One row per campaign sent to a selected audience: treatment against control.
    A campaign belongs to the audience snapshot (audience_member_snapshots: audience, channel,
    as-of date on or before the campaign's first send) holding most of its recipients as treatment
    members, when that is at least half of them; the campaign tool needs only the exported file,
    the warehouse finds the audience again from the sends. Outcomes count from the first send for
    var campaign_response_window_days days: responses (clicks and conversions of this campaign,
    treatment only), converters (members with a standing order) and revenue, for treatment and
    control. Uplift: conversion rate of treatment minus control, with a 95% interval (normal
    approximation of the difference of two proportions); revenue per member of each group.
-#}
with

snapshots as (
    select * from {{ ref('audience_member_snapshots') }}
),

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

sends as (
    select
        campaign_id,
        customer_key,
        min(occurred_at) as first_sent_at
    from touchpoints
    where source = 'crm' and touchpoint_type = 'sent' and campaign_id is not null and customer_key is not null
    group by campaign_id, customer_key
),

campaigns as (
    select
        campaign_id,
        cast(min(first_sent_at) as date) as first_send_date,
        count(*) as recipients
    from sends
    group by campaign_id
),

audience_overlaps as (
    select
        campaigns.campaign_id,
        campaigns.first_send_date,
        campaigns.recipients,
        snapshots.as_of_date,
        snapshots.audience_name,
        snapshots.channel,
        count(*) as recipients_in_treatment
    from campaigns
    inner join sends on campaigns.campaign_id = sends.campaign_id
    inner join snapshots
        on
            sends.customer_key = snapshots.customer_key
            and campaigns.first_send_date >= snapshots.as_of_date
            and not snapshots.is_control_group
    group by
        campaigns.campaign_id, campaigns.first_send_date, campaigns.recipients,
        snapshots.as_of_date, snapshots.audience_name, snapshots.channel
),

matched as (
    {{ first_record(
        'select * from audience_overlaps where 2 * recipients_in_treatment >= recipients',
        'campaign_id',
        'recipients_in_treatment desc, as_of_date desc, audience_name asc, channel asc'
    ) }}
),

members as (
    select
        matched.campaign_id,
        matched.first_send_date,
        snapshots.customer_key,
        snapshots.is_control_group
    from matched
    inner join snapshots
        on
            matched.as_of_date = snapshots.as_of_date
            and matched.audience_name = snapshots.audience_name
            and matched.channel = snapshots.channel
),

responses as (
    select distinct
        campaign_id,
        customer_key
    from touchpoints
    where source = 'crm' and touchpoint_type in ('clicked', 'converted')
),

member_outcomes as (
    select
        members.campaign_id,
        members.customer_key,
        members.is_control_group,
        max(case when sends.customer_key is not null then 1 else 0 end) as was_contacted,
        max(case when responses.customer_key is not null then 1 else 0 end) as responded,
        count(distinct orders.order_id) as orders,
        coalesce(sum(orders.net_amount_cny), 0) as revenue_cny
    from members
    left join sends on members.campaign_id = sends.campaign_id and members.customer_key = sends.customer_key
    left join responses
        on members.campaign_id = responses.campaign_id and members.customer_key = responses.customer_key
    left join orders
        on
            members.customer_key = orders.customer_key
            and not orders.is_cancelled_or_refunded
            and members.first_send_date <= orders.order_date
            and {{ add_days('members.first_send_date', var('campaign_response_window_days')) }} > orders.order_date
    group by members.campaign_id, members.customer_key, members.is_control_group
),

groups as (
    select
        campaign_id,
        count(case when not is_control_group then 1 end) as treatment_members,
        count(case when is_control_group then 1 end) as control_members,
        sum(case when not is_control_group then was_contacted else 0 end) as contacted,
        sum(case when not is_control_group then responded else 0 end) as responders,
        sum(case when not is_control_group and orders > 0 then 1 else 0 end) as treatment_converters,
        sum(case when is_control_group and orders > 0 then 1 else 0 end) as control_converters,
        sum(case when not is_control_group then revenue_cny else 0 end) as treatment_revenue_cny,
        sum(case when is_control_group then revenue_cny else 0 end) as control_revenue_cny
    from member_outcomes
    group by campaign_id
),

rates as (
    select
        groups.*,
        cast(groups.treatment_converters as double) / nullif(groups.treatment_members, 0) as treatment_conversion_rate,
        cast(groups.control_converters as double) / nullif(groups.control_members, 0) as control_conversion_rate
    from groups
),

final as (
    select
        matched.campaign_id,
        matched.audience_name,
        matched.channel,
        matched.as_of_date as audience_as_of_date,
        matched.first_send_date,
        {{ var('campaign_response_window_days') }} as response_window_days,
        rates.treatment_members,
        rates.control_members,
        rates.contacted,
        rates.responders,
        rates.treatment_converters,
        rates.control_converters,
        rates.treatment_conversion_rate,
        rates.control_conversion_rate,
        rates.treatment_conversion_rate - rates.control_conversion_rate as conversion_uplift,
        rates.treatment_conversion_rate - rates.control_conversion_rate - 1.96 * sqrt(
            rates.treatment_conversion_rate * (1 - rates.treatment_conversion_rate) / nullif(rates.treatment_members, 0)
            + rates.control_conversion_rate * (1 - rates.control_conversion_rate) / nullif(rates.control_members, 0)
        ) as conversion_uplift_ci_low,
        rates.treatment_conversion_rate - rates.control_conversion_rate + 1.96 * sqrt(
            rates.treatment_conversion_rate * (1 - rates.treatment_conversion_rate) / nullif(rates.treatment_members, 0)
            + rates.control_conversion_rate * (1 - rates.control_conversion_rate) / nullif(rates.control_members, 0)
        ) as conversion_uplift_ci_high,
        {{ rounded_quotient('rates.treatment_revenue_cny', 'nullif(rates.treatment_members, 0)') }}
            as treatment_revenue_per_member_cny,
        {{ rounded_quotient('rates.control_revenue_cny', 'nullif(rates.control_members, 0)') }}
            as control_revenue_per_member_cny
    from matched
    inner join rates on matched.campaign_id = rates.campaign_id
)

select * from final
