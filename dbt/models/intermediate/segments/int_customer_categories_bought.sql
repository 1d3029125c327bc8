{#-
    One row per customer and product category they bought in a standing order (not cancelled or
    refunded) up to as_of: the baskets cross-sell is mined from.
-#}
with

items as (
    select * from {{ ref('fct_order_items') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

final as (
    select distinct
        items.customer_key,
        items.category
    from items
    cross join as_of
    where
        items.customer_key is not null
        and items.status not in ('cancelled', 'refunded')
        and items.order_date <= as_of.as_of_date
)

select * from final
