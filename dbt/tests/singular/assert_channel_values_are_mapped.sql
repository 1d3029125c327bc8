{#-
    Warns about channel values missing from the seed channel_map: they count under their own name
    (nothing is dropped), but the marketer should say which reporting channel they belong to.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'channel_map'}}}, severity='warn', store_failures=true) }}
with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

channel_map as (
    select * from {{ ref('channel_map') }}
),

delivered as (
    select distinct
        'campaign_channel' as source_type,
        channel as source_value
    from campaigns
    union
    select distinct
        case acquisition_channel_source
            when 'crm_lead_source' then 'lead_source'
            when 'first_order_channel' then 'order_channel'
            else 'social_platform'
        end as source_type,
        lower(acquisition_channel) as source_value
    from customers
    where acquisition_channel is not null
    union
    select distinct
        'order_channel' as source_type,
        channel as source_value
    from orders
)

select
    delivered.source_type,
    delivered.source_value
from delivered
left join channel_map
    on delivered.source_type = channel_map.source_type and delivered.source_value = channel_map.source_value
where delivered.source_value is not null and channel_map.reporting_channel is null
