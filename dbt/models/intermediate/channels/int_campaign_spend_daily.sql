{#-
    One row per campaign and day it ran: its spend spread evenly over its days (start_date to
    end_date, both included; one day when only one of them is known) and converted to CNY at the
    exchange rate valid on that day. cny_per_unit is null when the seed exchange_rates has no rate
    for the currency on that day: the singular test assert_campaign_spend_converts_to_cny then
    fails naming the campaign. Campaigns without any date get no rows (the same test names them).
-#}
with

campaigns as (
    select * from {{ ref('int_campaigns_classified') }}
),

rates as (
    select * from {{ ref('exchange_rates') }}
),

dated as (
    select
        campaign_id,
        reporting_channel,
        spend_amount,
        coalesce(currency, 'CNY') as currency,
        least(coalesce(start_date, end_date), coalesce(end_date, start_date)) as first_day,
        greatest(coalesce(start_date, end_date), coalesce(end_date, start_date)) as last_day
    from campaigns
    where coalesce(start_date, end_date) is not null
),

exploded as (
    select
        dated.*,
        {{ explode_date_range('dated.first_day', 'dated.last_day') }} as spend_day
    from dated
),

days as (
    select
        campaign_id,
        reporting_channel,
        spend_amount,
        currency,
        first_day,
        last_day,
        cast(spend_day as date) as spend_date
    from exploded
),

rate_periods as (
    {{ validity_periods('rates', 'currency') }}
),

final as (
    select
        days.campaign_id,
        days.spend_date,
        cast({{ dbt.date_trunc('month', 'days.spend_date') }} as date) as spend_month,
        days.reporting_channel,
        days.currency,
        cast(days.spend_amount as double) / ({{ days_between('days.first_day', 'days.last_day') }} + 1) as spend_amount,
        rate_periods.cny_per_unit,
        cast(days.spend_amount as double) / ({{ days_between('days.first_day', 'days.last_day') }} + 1)
        * rate_periods.cny_per_unit as spend_cny
    from days
    left join rate_periods
        on days.currency = rate_periods.currency and {{ is_valid_on('rate_periods', 'days.spend_date') }}
)

select * from final
