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

day_rates as (
    select * from (
        select
            days.campaign_id,
            days.spend_date,
            rates.cny_per_unit,
            row_number() over (
                partition by days.campaign_id, days.spend_date order by rates.valid_from desc
            ) as rate_rank
        from days
        inner join rates
            on days.currency = rates.currency and days.spend_date >= rates.valid_from
    ) as ranked
    where rate_rank = 1
),

final as (
    select
        days.campaign_id,
        days.spend_date,
        cast({{ dbt.date_trunc('month', 'days.spend_date') }} as date) as spend_month,
        days.reporting_channel,
        days.currency,
        days.spend_amount / ({{ days_between('days.first_day', 'days.last_day') }} + 1) as spend_amount,
        day_rates.cny_per_unit,
        days.spend_amount / ({{ days_between('days.first_day', 'days.last_day') }} + 1)
        * day_rates.cny_per_unit as spend_cny
    from days
    left join day_rates
        on days.campaign_id = day_rates.campaign_id and days.spend_date = day_rates.spend_date
)

select * from final
