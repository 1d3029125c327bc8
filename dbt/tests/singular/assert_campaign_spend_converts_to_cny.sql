{#-
    Every campaign with spend converts to CNY: returns each campaign with spend that has no date
    to place it on, or a day on which the seed exchange_rates has no rate for its currency.
    Never counted as zero: the build fails naming the campaign (rows kept in dbt_test__audit).
-#}
{{ config(meta={'dagster': {'ref': {'name': 'int_campaign_spend_daily'}}}, store_failures=true) }}
with

campaigns as (
    select * from {{ ref('int_campaigns_classified') }}
),

spend_daily as (
    select * from {{ ref('int_campaign_spend_daily') }}
),

missing_rates as (
    select
        campaign_id,
        min(currency) as currency,
        min(spend_date) as first_day_without_rate,
        'no exchange rate for the currency on this day' as problem
    from spend_daily
    where cny_per_unit is null
    group by campaign_id
),

undated as (
    select
        campaign_id,
        currency,
        cast(null as date) as first_day_without_rate,
        'spend without a start or end date' as problem
    from campaigns
    where spend_amount <> 0 and start_date is null and end_date is null
)

select * from missing_rates
union all
select * from undated
