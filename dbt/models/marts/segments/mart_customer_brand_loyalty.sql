{#-
    One row per customer and product category bought in the last var loyalty_window_days days up to
    as_of (standing orders only): the share of the category spend on the store brand gives the
    loyalty class (store_loyal at or above var brand_loyal_min_share, national_loyal at or below
    1 - brand_loyal_min_share, switcher between), crossed with a usage tier from the customer's
    units in the category against the category's other buyers (percent_rank: high from
    var usage_tier_high_from, medium from var usage_tier_medium_from). The seed
    brand_loyalty_offers turns the grid cell into a store-brand offer strength.
-#}
with

items as (
    select * from {{ ref('fct_order_items') }}
),

offers as (
    select * from {{ ref('brand_loyalty_offers') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

category_spend as (
    select
        items.customer_key,
        items.category,
        sum(items.quantity) as units,
        sum(items.line_amount_cny) as spend_cny,
        sum(case when items.brand_tier = 'store' then items.line_amount_cny else 0 end) as store_brand_spend_cny
    from items
    cross join as_of
    where
        items.customer_key is not null
        and items.status not in ('cancelled', 'refunded')
        and items.order_date <= as_of.as_of_date
        and items.order_date > {{ add_days('as_of.as_of_date', -1 * var('loyalty_window_days')) }}
    group by items.customer_key, items.category
),

classified as (
    select
        customer_key,
        category,
        units,
        spend_cny,
        store_brand_spend_cny,
        cast(store_brand_spend_cny as double) / nullif(spend_cny, 0) as store_brand_share,
        percent_rank() over (partition by category order by units asc) as usage_rank
    from category_spend
),

graded as (
    select
        *,
        case
            when store_brand_share >= {{ var('brand_loyal_min_share') }} then 'store_loyal'
            when store_brand_share <= 1 - {{ var('brand_loyal_min_share') }} then 'national_loyal'
            else 'switcher'
        end as loyalty_class,
        case
            when usage_rank >= {{ var('usage_tier_high_from') }} then 'high'
            when usage_rank >= {{ var('usage_tier_medium_from') }} then 'medium'
            else 'low'
        end as usage_tier
    from classified
),

final as (
    select
        graded.customer_key,
        graded.category,
        as_of.as_of_date,
        graded.units,
        cast(graded.spend_cny as decimal(18, 2)) as spend_cny,
        cast(graded.store_brand_spend_cny as decimal(18, 2)) as store_brand_spend_cny,
        cast(graded.store_brand_share as decimal(6, 4)) as store_brand_share,
        graded.loyalty_class,
        graded.usage_tier,
        offers.store_brand_offer
    from graded
    cross join as_of
    left join offers
        on graded.loyalty_class = offers.loyalty_class and graded.usage_tier = offers.usage_tier
)

select * from final
