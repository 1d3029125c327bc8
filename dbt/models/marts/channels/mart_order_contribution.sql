{#-
    One row per order: the bridge from revenue to profit that every channel mart uses.
    net revenue = billed total - shipping fee (0 for cancelled and refunded orders);
    cost of goods = sum over items of list amount x (1 - category gross margin share);
    commission = net revenue x the sales channel's commission rate valid on the order date;
    contribution margin = net revenue - cost of goods - commission.
    The discount is already out of net revenue (total = merchandise - discount + shipping); the
    shipping fee is taken to pass through to the carrier. Cancelled and refunded orders count 0.
    Cost, commission and contribution are null when a margin or commission row is missing (the
    singular tests then fail naming the category or channel) or when the order has no items.

    Incremental by order: the pre-hook deletes the orders rebuilt in fct_orders since the last
    build, those fct_orders no longer has, and every order when a seed it reads changed; the build
    appends every order the table does not hold.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_rows(ref('fct_orders'), 'order_id',
        seeds=['category_margins', 'channel_commission_rates', 'channel_map']) }}"
) }}

with

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_key_not_built('order_id', 'order_id') }}
),

items as (
    select * from {{ ref('int_order_items_costed') }}
    {{ where_key_in_scope('order_id', 'orders') }}
),

commission_rates as (
    select * from {{ ref('channel_commission_rates') }}
),

channel_map as (
    select * from {{ ref('channel_map') }}
),

order_costs as (
    select
        order_id,
        count(*) as item_count,
        count(gross_margin_share) as costed_item_count,
        sum(cost_of_goods_cny) as cost_of_goods_cny
    from items
    group by order_id
),

commission_periods as (
    {{ validity_periods('commission_rates', 'sales_channel') }}
),

amounts as (
    select
        orders.order_id,
        orders.customer_key,
        orders.ordered_at,
        orders.order_date,
        cast({{ dbt.date_trunc('month', 'orders.order_date') }} as date) as order_month,
        orders.status,
        orders.is_cancelled_or_refunded,
        orders.channel as sales_channel,
        orders.campaign_id,
        orders.promo_code,
        orders.gross_amount_cny,
        orders.discount_amount_cny,
        orders.shipping_amount_cny,
        commission_periods.commission_rate,
        coalesce(channel_map.reporting_channel, orders.channel, 'unknown') as sales_reporting_channel,
        case
            when orders.is_cancelled_or_refunded then cast(0 as decimal(18, 2))
            else orders.gross_amount_cny - coalesce(orders.shipping_amount_cny, 0)
        end as net_revenue_cny,
        case
            when orders.is_cancelled_or_refunded then cast(0 as decimal(18, 2))
            when order_costs.costed_item_count = order_costs.item_count then order_costs.cost_of_goods_cny
        end as cost_of_goods_cny
    from orders
    left join order_costs on orders.order_id = order_costs.order_id
    left join commission_periods
        on
            orders.channel = commission_periods.sales_channel
            and {{ is_valid_on('commission_periods', 'orders.order_date') }}
    left join channel_map
        on channel_map.source_type = 'order_channel' and orders.channel = channel_map.source_value
),

final as (
    select
        order_id,
        customer_key,
        ordered_at,
        order_date,
        order_month,
        status,
        is_cancelled_or_refunded,
        sales_channel,
        sales_reporting_channel,
        campaign_id,
        promo_code,
        gross_amount_cny,
        discount_amount_cny,
        shipping_amount_cny,
        net_revenue_cny,
        cost_of_goods_cny,
        commission_rate,
        cast(net_revenue_cny * commission_rate as decimal(18, 2)) as commission_cny,
        cast(net_revenue_cny - cost_of_goods_cny - net_revenue_cny * commission_rate as decimal(18, 2))
            as contribution_margin_cny,
        {{ seeds_checksum(['category_margins', 'channel_commission_rates', 'channel_map']) }}
            as _seeds_checksum,
        {{ staged_at() }} as _staged_at
    from amounts
)

select * from final
