{#-
    One row per order item with its cost of goods: list amount (CNY) x (1 - the gross margin share
    of its category valid on the order date, seed category_margins). gross_margin_share and
    cost_of_goods_cny are null when no margin row applies; the singular test
    assert_order_items_have_category_margins then fails naming the category.
-#}
with

items as (
    select * from {{ ref('fct_order_items') }}
),

margins as (
    select * from {{ ref('category_margins') }}
),

item_margins as (
    select * from (
        select
            items.order_item_id,
            margins.gross_margin_share,
            row_number() over (partition by items.order_item_id order by margins.valid_from desc) as margin_rank
        from items
        inner join margins
            on items.category = margins.category and items.order_date >= margins.valid_from
    ) as ranked
    where margin_rank = 1
),

final as (
    select
        items.order_item_id,
        items.order_id,
        items.order_date,
        items.category,
        items.line_amount_cny,
        item_margins.gross_margin_share,
        cast(items.line_amount_cny * (1 - item_margins.gross_margin_share) as decimal(18, 2)) as cost_of_goods_cny
    from items
    left join item_margins on items.order_item_id = item_margins.order_item_id
)

select * from final
