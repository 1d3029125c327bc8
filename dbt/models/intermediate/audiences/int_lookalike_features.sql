{#-
    One row per customer with the traits a prospect has too, for the look-alike model
    (mart_lookalike_model_fit, mart_prospect_scores). Behaviour is counted before the customer's
    first order (a buyer as they looked while still a prospect) or, for a prospect, up to the
    as-of date: social engagement by type, survey answers, campaign opens and clicks. Static traits:
    the CRM lead source (not the first order's channel, which prospects cannot have), the province,
    whether a CRM record exists. is_best: a buyer in the top value tier (seed value_tiers, highest
    min_value_score), the trait a look-alike is like.
-#}
with

profile as (
    select * from {{ ref('mart_customer_profile') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

value_tiers as (
    select * from {{ ref('value_tiers') }}
),

top_tier as (
    {{ first_record('select * from value_tiers', "'top'", 'min_value_score desc, value_tier asc') }}
),

people as (
    select
        profile.customer_key,
        profile.as_of_date,
        profile.first_order_date,
        customers.province,
        profile.lifecycle_stage = 'prospect' as is_prospect,
        profile.lifecycle_stage <> 'prospect' and profile.value_tier = top_tier.value_tier as is_best,
        case when customers.acquisition_channel_source = 'crm_lead_source' then customers.acquisition_channel end
            as lead_source,
        customers.primary_crm_contact_id is not null as has_crm_record,
        coalesce(profile.first_order_date, profile.as_of_date) as traits_until_date
    from profile
    inner join customers on profile.customer_key = customers.customer_key
    cross join top_tier
),

behaviour as (
    select
        people.customer_key,
        count(case when touchpoints.source = 'social' then 1 end) as social_engagements,
        count(case when touchpoints.touchpoint_type in ('share', 'mention', 'comment') then 1 end)
            as social_shares_mentions_comments,
        count(case when touchpoints.touchpoint_type in ('like', 'follow') then 1 end) as social_likes_follows,
        count(case when touchpoints.touchpoint_type in ('click', 'message') then 1 end) as social_clicks_messages,
        count(case when touchpoints.source = 'survey' then 1 end) as survey_answers,
        count(case when touchpoints.source = 'crm' and touchpoints.touchpoint_type = 'opened' then 1 end)
            as campaign_opens,
        count(case when touchpoints.source = 'crm' and touchpoints.touchpoint_type = 'clicked' then 1 end)
            as campaign_clicks
    from people
    inner join touchpoints
        on
            people.customer_key = touchpoints.customer_key
            and cast(touchpoints.occurred_at as date) < people.traits_until_date
    group by people.customer_key
),

final as (
    select
        people.customer_key,
        people.as_of_date,
        people.first_order_date,
        people.is_prospect,
        people.is_best,
        people.lead_source,
        people.province,
        people.has_crm_record,
        coalesce(behaviour.social_engagements, 0) as social_engagements,
        coalesce(behaviour.social_shares_mentions_comments, 0) as social_shares_mentions_comments,
        coalesce(behaviour.social_likes_follows, 0) as social_likes_follows,
        coalesce(behaviour.social_clicks_messages, 0) as social_clicks_messages,
        coalesce(behaviour.survey_answers, 0) as survey_answers,
        coalesce(behaviour.campaign_opens, 0) as campaign_opens,
        coalesce(behaviour.campaign_clicks, 0) as campaign_clicks
    from people
    left join behaviour on people.customer_key = behaviour.customer_key
)

select * from final
