{#-
    One row per customer whose first standing order falls on or before the as_of date: the
    acquisition month (month of that first order) and the reporting channel of the customer's
    acquisition channel (dim_customers: CRM lead source, else first order channel, else first
    social platform), rolled up through the seed channel_map.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

channel_map as (
    select * from {{ ref('channel_map') }}
),

classified as (
    select
        customers.customer_key,
        customers.acquisition_channel,
        summary.first_order_date,
        case customers.acquisition_channel_source
            when 'crm_lead_source' then 'lead_source'
            when 'first_order_channel' then 'order_channel'
            when 'first_social_platform' then 'social_platform'
        end as source_type
    from customers
    inner join summary on customers.customer_key = summary.customer_key
),

final as (
    select
        classified.customer_key,
        classified.first_order_date,
        cast({{ dbt.date_trunc('month', 'classified.first_order_date') }} as date) as acquisition_month,
        classified.acquisition_channel,
        coalesce(channel_map.reporting_channel, classified.acquisition_channel, 'unknown') as reporting_channel
    from classified
    left join channel_map
        on
            classified.source_type = channel_map.source_type
            and lower(classified.acquisition_channel) = channel_map.source_value
)

select * from final
