{#-
    One row per customer with a standing order up to as_of: orders and net revenue in the last
    var decline_window_days days against the same number of days before, whether the customer is
    declining (revenue fell by at least var decline_min_drop_share), whether a dormant or churned
    customer used to be valuable enough to win back (lifetime net revenue at or above the
    var reactivation_min_value_percentile of all buyers), and the revenue at risk: the expected
    revenue over the model horizon of customers in the at_risk stage.
-#}
with

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

lifecycle as (
    select * from {{ ref('mart_customer_lifecycle') }}
),

predicted as (
    select * from {{ source('fitted_intermediate', 'int_customer_value_predicted') }}
),

ranked as (
    select
        *,
        percent_rank() over (order by lifetime_net_revenue_cny asc) as lifetime_value_percentile
    from summary
),

final as (
    select
        ranked.customer_key,
        ranked.as_of_date,
        ranked.recent_order_count,
        ranked.recent_net_revenue_cny,
        ranked.prior_order_count,
        ranked.prior_net_revenue_cny,
        ranked.recent_net_revenue_cny - ranked.prior_net_revenue_cny as net_revenue_change_cny,
        case
            when ranked.prior_net_revenue_cny > 0
                then cast({{ rounded_quotient(
                    'ranked.prior_net_revenue_cny - ranked.recent_net_revenue_cny',
                    'ranked.prior_net_revenue_cny', 4
                ) }} as decimal(10, 4))
        end as net_revenue_drop_share,
        coalesce(
            ranked.prior_net_revenue_cny > 0
            and ranked.recent_net_revenue_cny
            <= ranked.prior_net_revenue_cny * (1 - {{ var('decline_min_drop_share') }}),
            false
        ) as is_declining,
        lifecycle.lifecycle_stage,
        ranked.lifetime_net_revenue_cny,
        cast(ranked.lifetime_value_percentile as decimal(6, 4)) as lifetime_value_percentile,
        (
            lifecycle.lifecycle_stage in ('dormant', 'churned')
            and ranked.lifetime_value_percentile >= {{ var('reactivation_min_value_percentile') }}
        ) as is_reactivation_candidate,
        case
            when lifecycle.lifecycle_stage = 'at_risk' then predicted.expected_revenue_cny else 0
        end as revenue_at_risk_cny
    from ranked
    inner join lifecycle on ranked.customer_key = lifecycle.customer_key
    left join predicted on ranked.customer_key = predicted.customer_key
)

select * from final
