{#-
    Total spend in mart_channel_acquisition equals total campaign spend converted to CNY up to
    as_of: no spend is dropped for lack of a channel, customers or month.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_channel_acquisition'}}}) }}
with

acquisition as (
    select sum(spend_cny) as spend_cny from {{ ref('mart_channel_acquisition') }}
),

campaign_spend as (
    select sum(spend_daily.spend_cny) as spend_cny
    from {{ ref('int_campaign_spend_daily') }} as spend_daily
    where spend_daily.spend_date <= {{ as_of_date() }}
)

select
    acquisition.spend_cny as acquisition_spend_cny,
    campaign_spend.spend_cny as campaign_spend_cny
from acquisition
cross join campaign_spend
where abs(coalesce(acquisition.spend_cny, 0) - coalesce(campaign_spend.spend_cny, 0)) > 0.01
