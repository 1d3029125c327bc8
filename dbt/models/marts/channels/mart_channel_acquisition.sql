{#-
    One row per reporting channel and acquisition month: new customers (first standing order in
    that month, channel from dim_customers through channel_map), campaign spend of that channel and
    month (CNY at the daily exchange rate; channels with spend and no new customers keep their own
    row), cost per acquisition, the cohort's revenue and contribution in its first 90 and 365 days
    (null until the window of the month's last possible customer is over as of as_of: never a
    partial figure), to date, and predicted over the value model's horizon, value-to-CAC ratio and
    payback month (docs/channels.md has the formulas).
-#}
with

acquired as (
    select * from {{ ref('int_customers_acquired') }}
),

contribution as (
    select * from {{ ref('mart_order_contribution') }}
),

spend_daily as (
    select * from {{ ref('int_campaign_spend_daily') }}
),

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

retention as (
    select * from {{ ref('mart_cohort_retention') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

customer_windows as (
    select
        acquired.customer_key,
        sum(case
            when {{ days_between('acquired.first_order_date', 'contribution.order_date') }} < 90
                then contribution.net_revenue_cny
        end) as net_revenue_90d_cny,
        sum(case
            when {{ days_between('acquired.first_order_date', 'contribution.order_date') }} < 90
                then contribution.contribution_margin_cny
        end) as contribution_90d_cny,
        sum(case
            when {{ days_between('acquired.first_order_date', 'contribution.order_date') }} < 365
                then contribution.net_revenue_cny
        end) as net_revenue_365d_cny,
        sum(case
            when {{ days_between('acquired.first_order_date', 'contribution.order_date') }} < 365
                then contribution.contribution_margin_cny
        end) as contribution_365d_cny,
        sum(contribution.net_revenue_cny) as net_revenue_to_date_cny,
        sum(contribution.contribution_margin_cny) as contribution_to_date_cny
    from acquired
    inner join contribution on acquired.customer_key = contribution.customer_key
    cross join as_of
    where not contribution.is_cancelled_or_refunded and contribution.order_date <= as_of.as_of_date
    group by acquired.customer_key
),

cohorts as (
    select
        acquired.acquisition_month,
        acquired.reporting_channel,
        count(*) as new_customers,
        sum(customer_windows.net_revenue_90d_cny) as net_revenue_90d_cny,
        sum(customer_windows.contribution_90d_cny) as contribution_90d_cny,
        sum(customer_windows.net_revenue_365d_cny) as net_revenue_365d_cny,
        sum(customer_windows.contribution_365d_cny) as contribution_365d_cny,
        sum(customer_windows.net_revenue_to_date_cny) as net_revenue_to_date_cny,
        sum(customer_windows.contribution_to_date_cny) as contribution_to_date_cny,
        sum(customer_value.expected_revenue_cny) as predicted_12m_revenue_cny
    from acquired
    left join customer_windows on acquired.customer_key = customer_windows.customer_key
    left join customer_value on acquired.customer_key = customer_value.customer_key
    group by acquired.acquisition_month, acquired.reporting_channel
),

spend as (
    select
        spend_daily.spend_month,
        spend_daily.reporting_channel,
        sum(spend_daily.spend_cny) as spend_cny
    from spend_daily
    cross join as_of
    where spend_daily.spend_date <= as_of.as_of_date
    group by spend_daily.spend_month, spend_daily.reporting_channel
),

channel_months as (
    select
        acquisition_month,
        reporting_channel
    from cohorts
    union
    select
        spend_month as acquisition_month,
        reporting_channel
    from spend
),

combined as (
    select
        channel_months.reporting_channel,
        channel_months.acquisition_month,
        as_of.as_of_date,
        coalesce(cohorts.new_customers, 0) as new_customers,
        coalesce(spend.spend_cny, 0) as spend_cny,
        {{ add_days('cast(' ~ dbt.dateadd('month', 1, 'channel_months.acquisition_month') ~ ' as date)', -1) }}
            as month_end_date,
        cohorts.net_revenue_90d_cny,
        cohorts.contribution_90d_cny,
        cohorts.net_revenue_365d_cny,
        cohorts.contribution_365d_cny,
        cohorts.net_revenue_to_date_cny,
        cohorts.contribution_to_date_cny,
        cohorts.predicted_12m_revenue_cny
    from channel_months
    cross join as_of
    left join cohorts
        on
            channel_months.acquisition_month = cohorts.acquisition_month
            and channel_months.reporting_channel = cohorts.reporting_channel
    left join spend
        on
            channel_months.acquisition_month = spend.spend_month
            and channel_months.reporting_channel = spend.reporting_channel
),

measured as (
    select
        reporting_channel,
        acquisition_month,
        as_of_date,
        new_customers,
        spend_cny,
        {{ rounded_quotient('spend_cny', 'nullif(new_customers, 0)') }} as cost_per_acquisition_cny,
        case when {{ add_days('month_end_date', 89) }} <= as_of_date then net_revenue_90d_cny end
            as net_revenue_first_90d_cny,
        case when {{ add_days('month_end_date', 89) }} <= as_of_date then contribution_90d_cny end
            as contribution_first_90d_cny,
        case when {{ add_days('month_end_date', 364) }} <= as_of_date then net_revenue_365d_cny end
            as net_revenue_first_365d_cny,
        case when {{ add_days('month_end_date', 364) }} <= as_of_date then contribution_365d_cny end
            as contribution_first_365d_cny,
        net_revenue_to_date_cny,
        contribution_to_date_cny,
        predicted_12m_revenue_cny,
        {{ rounded_quotient(
            'predicted_12m_revenue_cny * contribution_to_date_cny', 'nullif(net_revenue_to_date_cny, 0)'
        ) }} as predicted_12m_contribution_cny
    from combined
),

payback as (
    select
        measured.reporting_channel,
        measured.acquisition_month,
        min(retention.months_since_acquisition) as payback_month
    from measured
    inner join retention
        on
            measured.reporting_channel = retention.reporting_channel
            and measured.acquisition_month = retention.acquisition_month
    where
        measured.spend_cny > 0
        and retention.cumulative_contribution_per_customer_cny >= measured.cost_per_acquisition_cny
    group by measured.reporting_channel, measured.acquisition_month
),

final as (
    select
        measured.reporting_channel,
        measured.acquisition_month,
        measured.as_of_date,
        measured.new_customers,
        measured.spend_cny,
        measured.cost_per_acquisition_cny,
        measured.net_revenue_first_90d_cny,
        measured.contribution_first_90d_cny,
        measured.net_revenue_first_365d_cny,
        measured.contribution_first_365d_cny,
        measured.net_revenue_to_date_cny,
        measured.contribution_to_date_cny,
        measured.predicted_12m_revenue_cny,
        measured.predicted_12m_contribution_cny,
        payback.payback_month,
        cast(
            coalesce(measured.contribution_to_date_cny, 0) + coalesce(measured.predicted_12m_contribution_cny, 0)
            as double
        )
        / nullif(measured.spend_cny, 0) as value_to_cac_ratio
    from measured
    left join payback
        on
            measured.reporting_channel = payback.reporting_channel
            and measured.acquisition_month = payback.acquisition_month
)

select * from final
