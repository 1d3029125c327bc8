{#-
    One row per customer and recommendation (up to three): product categories the customer has
    not bought, ranked by score = the highest confidence of an association rule from a category
    they did buy (mart_category_associations, lift above var cross_sell_min_lift). Ties go to the
    higher lift, then the category name. because_of_category is the category behind the score.
-#}
with

bought as (
    select * from {{ ref('int_customer_categories_bought') }}
),

associations as (
    select * from {{ ref('mart_category_associations') }}
),

candidates as (
    select
        bought.customer_key,
        associations.consequent_category as category,
        associations.antecedent_category as because_of_category,
        associations.confidence,
        associations.lift
    from bought
    inner join associations
        on bought.category = associations.antecedent_category and associations.lift > {{ var('cross_sell_min_lift') }}
    left join bought as already
        on bought.customer_key = already.customer_key and associations.consequent_category = already.category
    where already.category is null
),

best_reasons as (
    {{ first_record(
        'select * from candidates',
        'customer_key, category',
        'confidence desc, lift desc, because_of_category asc'
    ) }}
),

ranked as (
    select
        customer_key,
        category,
        because_of_category,
        confidence as score,
        lift,
        row_number() over (
            partition by customer_key order by confidence desc, lift desc, category asc
        ) as recommendation_rank
    from best_reasons
),

final as (
    select
        customer_key,
        recommendation_rank,
        category,
        score,
        lift,
        because_of_category
    from ranked
    where recommendation_rank <= 3
)

select * from final
