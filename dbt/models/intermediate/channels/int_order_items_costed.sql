{#-
    One row per order item with its cost of goods: list amount (CNY) x (1 - the gross margin share
    of its category valid on the order date, seed category_margins). gross_margin_share and
    cost_of_goods_cny are null when no margin row applies; the singular test
    assert_order_items_have_category_margins then fails naming the category.
-#}
{#- A view: read once downstream, so writing its rows to disk would cost more than it saves. -#}
{{ config(materialized='view') }}

with

items as (
    select * from {{ ref('fct_order_items') }}
),

margins as (
    select * from {{ ref('category_margins') }}
),

margin_periods as (
    {{ validity_periods('margins', 'category') }}
),

final as (
    select
        items.order_item_id,
        items.order_id,
        items.order_date,
        items.category,
        items.line_amount_cny,
        margin_periods.gross_margin_share,
        cast(items.line_amount_cny * (1 - margin_periods.gross_margin_share) as decimal(18, 2)) as cost_of_goods_cny
    from items
    left join margin_periods
        on
            items.category = margin_periods.category
            and {{ is_valid_on('margin_periods', 'items.order_date') }}
)

select * from final
