{#-
    One row per customer with an order or a social engagement: the sales channel of their first
    order and the platform and display name of their first social engagement (earliest first;
    ties: the smaller order or event id). dim_customers falls back on them for the acquisition
    channel and the display name.

    Incremental by customer, as int_customer_records_summarised (its pre-hook, macro
    delete_customers_with_changed_records): the customers with a customer_source_map row written
    since the last build, with a record restaged since, or with another number of mapped records
    than the stored record_count (a record lost) are deleted, and the keys no longer mapped; the
    build appends every customer the table does not hold, from all their records.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_customers_with_changed_records() }}"
) }}

with

source_map as (
    select * from {{ ref('customer_source_map') }}
    {{ where_key_not_built('customer_key', 'customer_key') }}
),

record_counts as (
    select
        customer_key,
        count(*) as record_count
    from source_map
    group by customer_key
),

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

customer_orders as (
    select
        source_map.customer_key,
        orders.order_id,
        orders.ordered_at,
        orders.channel
    from source_map
    inner join orders
        on source_map.source = 'orders' and source_map.record_id = orders.order_id
),

customer_engagements as (
    select
        source_map.customer_key,
        engagements.event_id,
        engagements.occurred_at,
        engagements.platform,
        engagements.user_display_name
    from source_map
    inner join engagements
        on source_map.source = 'social' and source_map.record_id = engagements.event_id
),

first_orders as (
    {{ first_record(
        'select * from customer_orders',
        'customer_key',
        'ordered_at asc nulls last, order_id asc'
    ) }}
),

first_engagements as (
    {{ first_record(
        'select * from customer_engagements',
        'customer_key',
        'occurred_at asc nulls last, event_id asc'
    ) }}
),

touched_customers as (
    select customer_key from first_orders
    union
    select customer_key from first_engagements
),

final as (
    select
        touched_customers.customer_key,
        first_orders.channel as first_order_channel,
        first_engagements.platform as first_social_platform,
        first_engagements.user_display_name as first_social_display_name,
        record_counts.record_count,
        {{ staged_at() }} as _staged_at
    from touched_customers
    inner join record_counts on touched_customers.customer_key = record_counts.customer_key
    left join first_orders on touched_customers.customer_key = first_orders.customer_key
    left join first_engagements on touched_customers.customer_key = first_engagements.customer_key
)

select * from final
