{#-
    One row per customer: lifecycle stage as of the as_of date, from the seed lifecycle_stages
    (the first stage in stage_order whose rule holds). Customers with at least
    var lifecycle_min_occasions_for_rhythm purchase occasions are judged against their own rhythm
    (days since the last order over their usual days between purchases, floored at
    var lifecycle_min_interval_days); others against the fixed max_days thresholds.
    The next purchase is due one usual interval after the last order; customers with a single
    occasion are given the median usual interval of customers with two or more.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

stages as (
    select * from {{ ref('lifecycle_stages') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

intervals as (
    select
        customer_key,
        greatest(mean_days_between_purchases, {{ var('lifecycle_min_interval_days') }}) as usual_days_between_purchases
    from summary
    where mean_days_between_purchases is not null
),

median_interval as (
    select {{ percentile_cont('usual_days_between_purchases', 0.5) }} as median_days_between_purchases
    from intervals
),

measured as (
    select
        customers.customer_key,
        as_of.as_of_date,
        summary.first_order_date,
        summary.last_order_date,
        summary.days_since_last_order,
        coalesce(summary.purchase_occasions, 0) as purchase_occasions,
        {{ days_between('summary.first_order_date', 'as_of.as_of_date') }} as days_since_first_order,
        case
            when summary.customer_key is not null
                then coalesce(intervals.usual_days_between_purchases, median_interval.median_days_between_purchases)
        end as usual_days_between_purchases,
        coalesce(summary.purchase_occasions >= {{ var('lifecycle_min_occasions_for_rhythm') }}, false)
            as uses_own_rhythm
    from customers
    cross join as_of
    cross join median_interval
    left join summary on customers.customer_key = summary.customer_key
    left join intervals on customers.customer_key = intervals.customer_key
),

with_ratio as (
    select
        *,
        case
            when uses_own_rhythm then days_since_last_order / usual_days_between_purchases
        end as rhythm_ratio
    from measured
),

stage_matches as (
    select
        with_ratio.customer_key,
        stages.stage,
        stages.stage_order
    from with_ratio
    inner join stages
        on
            (stages.basis = 'no_orders' and with_ratio.last_order_date is null)
            or (
                stages.basis = 'first_order'
                and with_ratio.days_since_first_order <= stages.max_days
            )
            or (
                stages.basis = 'last_order'
                and with_ratio.last_order_date is not null
                and (
                    (with_ratio.uses_own_rhythm and coalesce(with_ratio.rhythm_ratio <= stages.max_rhythm_ratio, true))
                    or (
                        not with_ratio.uses_own_rhythm
                        and coalesce(with_ratio.days_since_last_order <= stages.max_days, true)
                    )
                )
            )
),

matched as (
    {{ first_record('select * from stage_matches', 'customer_key', 'stage_order asc, stage asc') }}
),

final as (
    select
        with_ratio.customer_key,
        with_ratio.as_of_date,
        matched.stage as lifecycle_stage,
        with_ratio.first_order_date,
        with_ratio.last_order_date,
        with_ratio.purchase_occasions,
        with_ratio.days_since_last_order,
        with_ratio.uses_own_rhythm,
        cast(with_ratio.usual_days_between_purchases as decimal(10, 1)) as usual_days_between_purchases,
        cast(with_ratio.rhythm_ratio as decimal(10, 2)) as rhythm_ratio,
        {{ add_days('with_ratio.last_order_date', 'round(with_ratio.usual_days_between_purchases)') }}
            as next_purchase_due_date
    from with_ratio
    inner join matched on with_ratio.customer_key = matched.customer_key
)

select * from final
