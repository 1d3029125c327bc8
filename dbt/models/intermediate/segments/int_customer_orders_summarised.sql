{#-
    One row per customer with at least one order that stands (not cancelled or refunded) on or
    before the as_of date: the order history every segment and value mart reads, in one scan.
    Purchase occasions are distinct order dates (two orders on one day are one occasion), as the
    BG/NBD and Gamma-Gamma models expect.
-#}
with

orders as (
    select * from {{ ref('fct_orders') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

purchase_days as (
    select
        orders.customer_key,
        orders.order_date,
        count(*) as orders,
        sum(orders.net_amount_cny) as net_amount_cny
    from orders
    cross join as_of
    where
        orders.customer_key is not null
        and not orders.is_cancelled_or_refunded
        and orders.order_date <= as_of.as_of_date
    group by orders.customer_key, orders.order_date
),

dated as (
    select
        purchase_days.*,
        as_of.as_of_date,
        {{ days_between('purchase_days.order_date', 'as_of.as_of_date') }} as days_before_as_of,
        min(purchase_days.order_date) over (partition by purchase_days.customer_key) as first_order_date,
        row_number() over (
            partition by purchase_days.customer_key order by purchase_days.order_date asc
        ) as occasion_number
    from purchase_days
    cross join as_of
),

summarised as (
    select
        customer_key,
        min(as_of_date) as as_of_date,
        min(first_order_date) as first_order_date,
        max(order_date) as last_order_date,
        sum(orders) as order_count,
        count(*) as purchase_occasions,
        sum(net_amount_cny) as lifetime_net_revenue_cny,
        sum(case when days_before_as_of < 365 then net_amount_cny else 0 end) as trailing_12m_net_revenue_cny,
        sum(
            case when days_before_as_of < {{ var('rfm_window_days') }} then orders else 0 end
        ) as rfm_window_order_count,
        sum(
            case when days_before_as_of < {{ var('rfm_window_days') }} then net_amount_cny else 0 end
        ) as rfm_window_net_revenue_cny,
        sum(
            case when days_before_as_of < {{ var('decline_window_days') }} then orders else 0 end
        ) as recent_order_count,
        sum(
            case when days_before_as_of < {{ var('decline_window_days') }} then net_amount_cny else 0 end
        ) as recent_net_revenue_cny,
        sum(
            case
                when
                    days_before_as_of >= {{ var('decline_window_days') }}
                    and days_before_as_of < 2 * {{ var('decline_window_days') }}
                    then orders
                else 0
            end
        ) as prior_order_count,
        sum(
            case
                when
                    days_before_as_of >= {{ var('decline_window_days') }}
                    and days_before_as_of < 2 * {{ var('decline_window_days') }}
                    then net_amount_cny
                else 0
            end
        ) as prior_net_revenue_cny,
        sum(case when occasion_number > 1 then net_amount_cny else 0 end) as repeat_net_revenue_cny,
        -- the same summary as it stood at the calibration cut-off, for the value model's holdout check
        max(
            case when days_before_as_of >= {{ var('value_model_holdout_days') }} then order_date end
        ) as calibration_last_order_date,
        sum(
            case when days_before_as_of >= {{ var('value_model_holdout_days') }} then 1 else 0 end
        ) as calibration_occasions,
        sum(
            case
                when days_before_as_of >= {{ var('value_model_holdout_days') }} and occasion_number > 1
                    then net_amount_cny
                else 0
            end
        ) as calibration_repeat_net_revenue_cny,
        sum(
            case when days_before_as_of < {{ var('value_model_holdout_days') }} then 1 else 0 end
        ) as holdout_occasions
    from dated
    group by customer_key
),

final as (
    select
        customer_key,
        as_of_date,
        first_order_date,
        last_order_date,
        order_count,
        purchase_occasions,
        cast(lifetime_net_revenue_cny as decimal(18, 2)) as lifetime_net_revenue_cny,
        cast(trailing_12m_net_revenue_cny as decimal(18, 2)) as trailing_12m_net_revenue_cny,
        rfm_window_order_count,
        cast(rfm_window_net_revenue_cny as decimal(18, 2)) as rfm_window_net_revenue_cny,
        recent_order_count,
        cast(recent_net_revenue_cny as decimal(18, 2)) as recent_net_revenue_cny,
        prior_order_count,
        cast(prior_net_revenue_cny as decimal(18, 2)) as prior_net_revenue_cny,
        {{ days_between('last_order_date', 'as_of_date') }} as days_since_last_order,
        case
            when purchase_occasions > 1
                then
                    cast({{ days_between('first_order_date', 'last_order_date') }} as double)
                    / (purchase_occasions - 1)
        end as mean_days_between_purchases,
        -- BG/NBD / Gamma-Gamma summary in days (mdw_stats/value_model.py)
        purchase_occasions - 1 as frequency,
        {{ days_between('first_order_date', 'last_order_date') }} as recency_days,
        {{ days_between('first_order_date', 'as_of_date') }} as age_days,
        case
            when purchase_occasions > 1 then cast(repeat_net_revenue_cny as double) / (purchase_occasions - 1)
        end as monetary_value,
        calibration_occasions - 1 as calibration_frequency,
        {{ days_between('first_order_date', 'calibration_last_order_date') }} as calibration_recency_days,
        {{ days_between('first_order_date', 'as_of_date') }}
        - {{ var('value_model_holdout_days') }} as calibration_age_days,
        case
            when calibration_occasions > 1
                then cast(calibration_repeat_net_revenue_cny as double) / (calibration_occasions - 1)
        end as calibration_monetary_value,
        holdout_occasions
    from summarised
)

select * from final
