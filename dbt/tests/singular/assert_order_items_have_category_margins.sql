{#-
    Every category sold has a gross margin (seed category_margins) valid on its order dates:
    returns each category with items lacking one, so cost of goods is never counted as zero.
-#}
{{ config(store_failures=true) }}
select
    coalesce(category, '(no category)') as category,
    min(order_date) as first_order_date_without_margin,
    count(*) as items_without_margin
from {{ ref('int_order_items_costed') }}
where gross_margin_share is null
group by coalesce(category, '(no category)')
