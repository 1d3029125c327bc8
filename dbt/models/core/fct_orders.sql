{#-
    One row per order, in its latest status (re-delivered orders counted once), with the
    customer it resolves to and amounts in the reporting currency (CNY) at the rate valid on the
    order date. Gross is what was billed; net is zero for cancelled and refunded orders.

    Incremental by order: the pre-hook deletes the orders restaged since the last build (new,
    re-delivered or retracted versions, their items included), the orders whose customer changed
    (their customer_source_map row rewritten, or gone: no usable identifier any more), the orders
    staging no longer has, and every order when the exchange_rates seed changed
    (orders_to_rebuild); the build appends every staged order the table does not hold.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ orders_to_rebuild() }}{% endif %}"
) }}

with

orders as (
    select * from {{ ref('stg_orders__orders') }}
    {{ where_key_not_built('order_id', 'order_id') }}
),

items as (
    select * from {{ ref('stg_orders__order_items') }}
    {{ where_key_in_scope('order_id', 'orders') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

rates as (
    select * from {{ ref('exchange_rates') }}
),

valid_rates as (
    select
        orders.order_id,
        rates.valid_from,
        rates.cny_per_unit
    from orders
    inner join rates
        on orders.currency = rates.currency and rates.valid_from <= cast(orders.ordered_at as date)
),

order_rates as (
    {{ first_record('select * from valid_rates', 'order_id', 'valid_from desc nulls last') }}
),

item_totals as (
    select
        order_id,
        count(*) as item_count,
        sum(quantity) as unit_count
    from items
    group by order_id
),

final as (
    select
        orders.order_id,
        source_map.customer_key,
        orders.ordered_at,
        cast(orders.ordered_at as date) as order_date,
        orders.updated_at,
        orders.status,
        orders.channel,
        orders.store_id,
        orders.promo_code,
        orders.campaign_id,
        orders.currency as original_currency,
        orders.total_amount as original_total_amount,
        order_rates.cny_per_unit as exchange_rate_to_cny,
        'CNY' as reporting_currency,
        cast(orders.total_amount * order_rates.cny_per_unit as decimal(18, 2)) as gross_amount_cny,
        cast(orders.discount_amount * order_rates.cny_per_unit as decimal(18, 2)) as discount_amount_cny,
        cast(orders.shipping_amount * order_rates.cny_per_unit as decimal(18, 2)) as shipping_amount_cny,
        orders.status in ('cancelled', 'refunded') as is_cancelled_or_refunded,
        case
            when orders.status in ('cancelled', 'refunded') then cast(0 as decimal(18, 2))
            else cast(orders.total_amount * order_rates.cny_per_unit as decimal(18, 2))
        end as net_amount_cny,
        coalesce(item_totals.item_count, 0) as item_count,
        coalesce(item_totals.unit_count, 0) as unit_count,
        {{ seeds_checksum(['exchange_rates']) }} as _seeds_checksum,
        {{ staged_at() }} as _staged_at
    from orders
    left join source_map
        on
            source_map.source = 'orders' and source_map.source_table = 'orders'
            and orders.order_id = source_map.record_id
    left join order_rates on orders.order_id = order_rates.order_id
    left join item_totals on orders.order_id = item_totals.order_id
)

select * from final
