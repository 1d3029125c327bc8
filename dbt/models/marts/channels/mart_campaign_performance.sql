{#-
    One row per campaign, every campaign the CRM delivered (one without spend counts 0): the
    funnel of its activity up to as_of (activities of each type; delivery rate = delivered / sent,
    open and click rates over delivered, conversion rate = converted / clicked, unsubscribe rate
    over delivered, bounce rate over sent), its spend up to as_of in CNY, conversions and
    contribution credited to its touches under each attribution model, and cost per attributed
    conversion and return on spend under var attribution_primary_model (default markov).
-#}
{%- set primary_model = var('attribution_primary_model') %}
with

campaigns as (
    select * from {{ ref('int_campaigns_classified') }}
),

activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

spend_daily as (
    select * from {{ ref('int_campaign_spend_daily') }}
),

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

funnel as (
    select
        activities.campaign_id,
        sum(case when activities.activity_type = 'sent' then 1 else 0 end) as sent_count,
        sum(case when activities.activity_type = 'delivered' then 1 else 0 end) as delivered_count,
        sum(case when activities.activity_type = 'opened' then 1 else 0 end) as opened_count,
        sum(case when activities.activity_type = 'clicked' then 1 else 0 end) as clicked_count,
        sum(case when activities.activity_type = 'converted' then 1 else 0 end) as converted_count,
        sum(case when activities.activity_type = 'unsubscribed' then 1 else 0 end) as unsubscribed_count,
        sum(case when activities.activity_type = 'bounced' then 1 else 0 end) as bounced_count
    from activities
    cross join as_of
    where cast(activities.occurred_at as date) <= as_of.as_of_date
    group by activities.campaign_id
),

spend as (
    select
        spend_daily.campaign_id,
        sum(spend_daily.spend_cny) as spend_cny
    from spend_daily
    cross join as_of
    where spend_daily.spend_date <= as_of.as_of_date
    group by spend_daily.campaign_id
),

attributed as (
    select
        campaign_id,
        sum(case when attribution_model = 'first_touch' then credit_share else 0 end) as first_touch_conversions,
        sum(case when attribution_model = 'first_touch' then attributed_contribution_cny else 0 end)
            as first_touch_contribution_cny,
        sum(case when attribution_model = 'last_touch' then credit_share else 0 end) as last_touch_conversions,
        sum(case when attribution_model = 'last_touch' then attributed_contribution_cny else 0 end)
            as last_touch_contribution_cny,
        sum(case when attribution_model = 'linear' then credit_share else 0 end) as linear_conversions,
        sum(case when attribution_model = 'linear' then attributed_contribution_cny else 0 end)
            as linear_contribution_cny,
        sum(case when attribution_model = 'position_based' then credit_share else 0 end) as position_based_conversions,
        sum(case when attribution_model = 'position_based' then attributed_contribution_cny else 0 end)
            as position_based_contribution_cny,
        sum(case when attribution_model = 'time_decay' then credit_share else 0 end) as time_decay_conversions,
        sum(case when attribution_model = 'time_decay' then attributed_contribution_cny else 0 end)
            as time_decay_contribution_cny,
        sum(case when attribution_model = 'markov' then credit_share else 0 end) as markov_conversions,
        sum(case when attribution_model = 'markov' then attributed_contribution_cny else 0 end)
            as markov_contribution_cny,
        sum(case when attribution_model = '{{ primary_model }}' then credit_share else 0 end) as primary_conversions,
        sum(case when attribution_model = '{{ primary_model }}' then attributed_contribution_cny else 0 end)
            as primary_contribution_cny
    from credits
    where campaign_id is not null
    group by campaign_id
),

final as (
    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.channel,
        campaigns.reporting_channel,
        campaigns.objective,
        campaigns.start_date,
        campaigns.end_date,
        as_of.as_of_date,
        coalesce(funnel.sent_count, 0) as sent_count,
        coalesce(funnel.delivered_count, 0) as delivered_count,
        coalesce(funnel.opened_count, 0) as opened_count,
        coalesce(funnel.clicked_count, 0) as clicked_count,
        coalesce(funnel.converted_count, 0) as converted_count,
        coalesce(funnel.unsubscribed_count, 0) as unsubscribed_count,
        coalesce(funnel.bounced_count, 0) as bounced_count,
        cast(funnel.delivered_count as double) / nullif(funnel.sent_count, 0) as delivery_rate,
        cast(funnel.opened_count as double) / nullif(funnel.delivered_count, 0) as open_rate,
        cast(funnel.clicked_count as double) / nullif(funnel.delivered_count, 0) as click_rate,
        cast(funnel.converted_count as double) / nullif(funnel.clicked_count, 0) as conversion_rate,
        cast(funnel.unsubscribed_count as double) / nullif(funnel.delivered_count, 0) as unsubscribe_rate,
        cast(funnel.bounced_count as double) / nullif(funnel.sent_count, 0) as bounce_rate,
        coalesce(spend.spend_cny, 0) as spend_cny,
        coalesce(attributed.first_touch_conversions, 0) as first_touch_conversions,
        coalesce(attributed.first_touch_contribution_cny, 0) as first_touch_contribution_cny,
        coalesce(attributed.last_touch_conversions, 0) as last_touch_conversions,
        coalesce(attributed.last_touch_contribution_cny, 0) as last_touch_contribution_cny,
        coalesce(attributed.linear_conversions, 0) as linear_conversions,
        coalesce(attributed.linear_contribution_cny, 0) as linear_contribution_cny,
        coalesce(attributed.position_based_conversions, 0) as position_based_conversions,
        coalesce(attributed.position_based_contribution_cny, 0) as position_based_contribution_cny,
        coalesce(attributed.time_decay_conversions, 0) as time_decay_conversions,
        coalesce(attributed.time_decay_contribution_cny, 0) as time_decay_contribution_cny,
        coalesce(attributed.markov_conversions, 0) as markov_conversions,
        coalesce(attributed.markov_contribution_cny, 0) as markov_contribution_cny,
        '{{ primary_model }}' as primary_attribution_model,
        cast(coalesce(spend.spend_cny, 0) as double) / nullif(attributed.primary_conversions, 0)
            as cost_per_attributed_conversion_cny,
        cast(coalesce(attributed.primary_contribution_cny, 0) as double) / nullif(spend.spend_cny, 0) as return_on_spend
    from campaigns
    cross join as_of
    left join funnel on campaigns.campaign_id = funnel.campaign_id
    left join spend on campaigns.campaign_id = spend.campaign_id
    left join attributed on campaigns.campaign_id = attributed.campaign_id
)

select * from final
