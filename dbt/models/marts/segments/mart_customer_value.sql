{#-
    One row per customer: current value (what they already bring), potential value (expected
    purchases and revenue over the model horizon from BG/NBD + Gamma-Gamma, and the probability
    they are still active), influence value (social reach and engagement in the last 365 days and
    referred customers, weighted by the seed value_weights) and a combined value tier.
    value_score = sum over current, potential and influence of weight x percent_rank among all
    customers (customers without a figure rank as 0); the tier is the seed value_tiers row with
    the highest min_value_score the score reaches.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

predicted as (
    select * from {{ source('fitted_intermediate', 'int_customer_value_predicted') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

value_weights as (
    select * from {{ ref('value_weights') }}
),

value_tiers as (
    select * from {{ ref('value_tiers') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

weights as (
    select
        max(case when component = 'followers_log10' then weight end) as followers_weight,
        max(case when component = 'shares' then weight end) as shares_weight,
        max(case when component = 'mentions' then weight end) as mentions_weight,
        max(case when component = 'comments' then weight end) as comments_weight,
        max(case when component = 'referred_customers' then weight end) as referrals_weight,
        max(case when component = 'current_value' then weight end) as current_weight,
        max(case when component = 'potential_value' then weight end) as potential_weight,
        max(case when component = 'influence_value' then weight end) as influence_weight
    from value_weights
),

social as (
    select
        source_map.customer_key,
        max(engagements.user_followers) as followers,
        sum(case when engagements.event_type = 'share' then 1 else 0 end) as shares,
        sum(case when engagements.event_type = 'mention' then 1 else 0 end) as mentions,
        sum(case when engagements.event_type = 'comment' then 1 else 0 end) as comments
    from engagements
    inner join source_map
        on
            source_map.source = 'social' and source_map.source_table = 'engagements'
            and engagements.event_id = source_map.record_id
    cross join as_of
    where
        cast(engagements.occurred_at as date) <= as_of.as_of_date
        and cast(engagements.occurred_at as date) > {{ add_days('as_of.as_of_date', -365) }}
    group by source_map.customer_key
),

referrals as (
    select
        customers.referrer_customer_key as customer_key,
        count(*) as referred_customers
    from customers
    cross join as_of
    where
        customers.referrer_customer_key is not null
        and cast(customers.first_seen_at as date) <= as_of.as_of_date
    group by customers.referrer_customer_key
),

measured as (
    select
        customers.customer_key,
        as_of.as_of_date,
        predicted.probability_alive,
        predicted.expected_purchases,
        predicted.expected_order_value_cny,
        predicted.expected_revenue_cny,
        coalesce(summary.lifetime_net_revenue_cny, 0) as lifetime_net_revenue_cny,
        coalesce(summary.trailing_12m_net_revenue_cny, 0) as trailing_12m_net_revenue_cny,
        coalesce(summary.order_count, 0) as order_count,
        {{ rounded_quotient('summary.lifetime_net_revenue_cny', 'nullif(summary.order_count, 0)') }}
            as average_order_value_cny,
        coalesce(social.followers, 0) as followers,
        coalesce(social.shares, 0) as shares,
        coalesce(social.mentions, 0) as mentions,
        coalesce(social.comments, 0) as comments,
        coalesce(referrals.referred_customers, 0) as referred_customers,
        weights.followers_weight * ln(1 + coalesce(social.followers, 0)) / ln(10)
        + weights.shares_weight * coalesce(social.shares, 0)
        + weights.mentions_weight * coalesce(social.mentions, 0)
        + weights.comments_weight * coalesce(social.comments, 0)
        + weights.referrals_weight * coalesce(referrals.referred_customers, 0) as influence_score
    from customers
    cross join as_of
    cross join weights
    left join summary on customers.customer_key = summary.customer_key
    left join predicted on customers.customer_key = predicted.customer_key
    left join social on customers.customer_key = social.customer_key
    left join referrals on customers.customer_key = referrals.customer_key
),

scored as (
    select
        measured.*,
        weights.current_weight * percent_rank() over (order by measured.trailing_12m_net_revenue_cny asc)
        + weights.potential_weight * percent_rank() over (order by coalesce(measured.expected_revenue_cny, 0) asc)
        + weights.influence_weight * percent_rank() over (order by measured.influence_score asc) as value_score
    from measured
    cross join weights
),

tier_matches as (
    select
        scored.customer_key,
        value_tiers.value_tier,
        value_tiers.min_value_score
    from scored
    inner join value_tiers on scored.value_score >= value_tiers.min_value_score
),

tiered as (
    {{ first_record('select * from tier_matches', 'customer_key', 'min_value_score desc, value_tier asc') }}
),

final as (
    select
        scored.customer_key,
        scored.as_of_date,
        scored.lifetime_net_revenue_cny,
        scored.trailing_12m_net_revenue_cny,
        scored.order_count,
        cast(scored.average_order_value_cny as decimal(18, 2)) as average_order_value_cny,
        scored.probability_alive,
        scored.expected_purchases,
        scored.expected_order_value_cny,
        scored.expected_revenue_cny,
        scored.followers,
        scored.shares,
        scored.mentions,
        scored.comments,
        scored.referred_customers,
        cast(scored.influence_score as decimal(10, 3)) as influence_score,
        cast(scored.value_score as decimal(6, 4)) as value_score,
        tiered.value_tier
    from scored
    inner join tiered on scored.customer_key = tiered.customer_key
)

select * from final
