{#-
    One row per ordered pair of product categories (antecedent -> consequent) bought by the same
    customer, from standing orders up to as_of across all customers (a basket is a customer's
    set of categories). support = share of buying customers with both; confidence = share of the
    antecedent's buyers who also bought the consequent; lift = confidence / the consequent's
    support. Pairs below var cross_sell_min_support are left out.
-#}
with

baskets as (
    select * from {{ ref('int_customer_categories_bought') }}
),

buyers as (
    select count(distinct customer_key) as buying_customers from baskets
),

category_buyers as (
    select
        category,
        count(*) as category_customers
    from baskets
    group by category
),

pairs as (
    select
        antecedent.category as antecedent_category,
        consequent.category as consequent_category,
        count(*) as customers_with_both
    from baskets as antecedent
    inner join baskets as consequent
        on antecedent.customer_key = consequent.customer_key and antecedent.category != consequent.category
    group by antecedent.category, consequent.category
),

measured as (
    select
        pairs.antecedent_category,
        pairs.consequent_category,
        pairs.customers_with_both,
        antecedent_buyers.category_customers as antecedent_customers,
        consequent_buyers.category_customers as consequent_customers,
        buyers.buying_customers,
        cast(pairs.customers_with_both as double) / buyers.buying_customers as support,
        cast(pairs.customers_with_both as double) / antecedent_buyers.category_customers as confidence,
        cast(pairs.customers_with_both as double) * buyers.buying_customers
        / (cast(antecedent_buyers.category_customers as double) * consequent_buyers.category_customers) as lift
    from pairs
    cross join buyers
    inner join category_buyers as antecedent_buyers on pairs.antecedent_category = antecedent_buyers.category
    inner join category_buyers as consequent_buyers on pairs.consequent_category = consequent_buyers.category
),

final as (
    select
        antecedent_category,
        consequent_category,
        customers_with_both,
        antecedent_customers,
        consequent_customers,
        buying_customers,
        cast(support as decimal(8, 6)) as support,
        cast(confidence as decimal(8, 6)) as confidence,
        cast(lift as decimal(10, 4)) as lift
    from measured
    where support >= {{ var('cross_sell_min_support') }}
)

select * from final
