{#-
    One row per item of the latest version of each order, with the order's customer, category
    and brand tier, amounts in CNY.

    Incremental by order: the pre-hook deletes the items of every order rebuilt in fct_orders since
    the last build (which covers orders whose items were restaged) and of orders fct_orders no
    longer has; the build appends the items of every order the table does not hold.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_rows(ref('fct_orders'), 'order_id') }}"
) }}

with

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_key_not_built('order_id', 'order_id') }}
),

items as (
    select * from {{ ref('stg_orders__order_items') }}
    {{ where_key_in_scope('order_id', 'orders') }}
),

final as (
    select
        items.order_item_id,
        items.order_id,
        orders.customer_key,
        orders.ordered_at,
        orders.order_date,
        orders.status,
        items.sku,
        items.product_name,
        items.category,
        items.brand,
        items.brand_tier,
        items.quantity,
        cast(items.unit_price * orders.exchange_rate_to_cny as decimal(18, 2)) as unit_price_cny,
        cast(items.line_amount * orders.exchange_rate_to_cny as decimal(18, 2)) as line_amount_cny,
        case
            when orders.is_cancelled_or_refunded then cast(0 as decimal(18, 2))
            else cast(items.line_amount * orders.exchange_rate_to_cny as decimal(18, 2))
        end as net_line_amount_cny,
        {{ staged_at() }} as _staged_at
    from items
    inner join orders on items.order_id = orders.order_id
)

select * from final
