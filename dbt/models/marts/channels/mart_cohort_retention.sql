{#-
    One row per acquisition month, reporting channel and month since acquisition (0 = the month
    of the first order) up to the month of the as_of date: the cohort triangle. A customer is
    active in a month with at least one standing order in it; cumulative contribution per
    customer adds the cohort's contribution margin from its acquisition month through that month
    (orders up to as_of). The last month is partial when is_month_complete is false.
-#}
with

acquired as (
    select * from {{ ref('int_customers_acquired') }}
),

contribution as (
    select * from {{ ref('mart_order_contribution') }}
),

as_of as (
    select
        {{ as_of_date() }} as as_of_date,
        cast({{ dbt.date_trunc('month', as_of_date()) }} as date) as as_of_month
),

cohorts as (
    select
        acquired.acquisition_month,
        acquired.reporting_channel,
        count(*) as cohort_customers,
        max({{ dbt.datediff('acquired.acquisition_month', 'as_of.as_of_month', 'month') }}) as months_to_as_of
    from acquired
    cross join as_of
    group by acquired.acquisition_month, acquired.reporting_channel
),

cohort_months as (
    select
        acquisition_month,
        reporting_channel,
        cohort_customers,
        {{ explode_integer_range(0, 'months_to_as_of') }} as months_since_acquisition
    from cohorts
),

cohort_orders as (
    select
        acquired.acquisition_month,
        acquired.reporting_channel,
        {{ dbt.datediff('acquired.acquisition_month', 'contribution.order_month', 'month') }}
            as months_since_acquisition,
        count(distinct acquired.customer_key) as active_customers,
        sum(contribution.contribution_margin_cny) as contribution_margin_cny
    from acquired
    inner join contribution on acquired.customer_key = contribution.customer_key
    cross join as_of
    where
        not contribution.is_cancelled_or_refunded
        and contribution.order_date <= as_of.as_of_date
    group by
        acquired.acquisition_month,
        acquired.reporting_channel,
        {{ dbt.datediff('acquired.acquisition_month', 'contribution.order_month', 'month') }}
),

months as (
    select
        cohort_months.*,
        cast(
            {{ dbt.dateadd('month', 'cohort_months.months_since_acquisition', 'cohort_months.acquisition_month') }}
            as date
        ) as activity_month,
        cast(
            {{ dbt.dateadd('month', 'cohort_months.months_since_acquisition + 1', 'cohort_months.acquisition_month') }}
            as date
        ) as next_month
    from cohort_months
),

final as (
    select
        months.acquisition_month,
        months.reporting_channel,
        cast(months.months_since_acquisition as integer) as months_since_acquisition,
        months.activity_month,
        as_of.as_of_date,
        months.next_month <= {{ add_days('as_of.as_of_date', 1) }} as is_month_complete,
        months.cohort_customers,
        coalesce(cohort_orders.active_customers, 0) as active_customers,
        cast(coalesce(cohort_orders.active_customers, 0) as double) / months.cohort_customers as retention_share,
        coalesce(cohort_orders.contribution_margin_cny, 0) as contribution_margin_cny,
        {{ rounded_quotient(
            'sum(coalesce(cohort_orders.contribution_margin_cny, 0)) over (
                partition by months.acquisition_month, months.reporting_channel
                order by months.months_since_acquisition
                rows between unbounded preceding and current row)',
            'months.cohort_customers'
        ) }} as cumulative_contribution_per_customer_cny
    from months
    cross join as_of
    left join cohort_orders
        on
            months.acquisition_month = cohort_orders.acquisition_month
            and months.reporting_channel = cohort_orders.reporting_channel
            and months.months_since_acquisition = cohort_orders.months_since_acquisition
)

select * from final
