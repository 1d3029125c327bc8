{#-
    One wide row per customer joining the customer dimension with every segment mart: the table
    a BI user or campaign tool reads first. Columns keep the names of the marts they come from.
    Its contract (YAML) fixes column order and types; counts summed upstream (hugeint in DuckDB)
    are cast to bigint so that the same types hold on Spark.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

rfm as (
    select * from {{ ref('mart_customer_rfm') }}
),

lifecycle as (
    select * from {{ ref('mart_customer_lifecycle') }}
),

decline as (
    select * from {{ ref('mart_customer_decline') }}
),

customer_value as (
    select * from {{ ref('mart_customer_value') }}
),

satisfaction as (
    select * from {{ ref('mart_customer_satisfaction') }}
),

cross_sell as (
    select * from {{ ref('mart_customer_cross_sell') }}
),

last_contact as (
    select * from {{ ref('customer_last_contact') }}
),

acquired as (
    select * from {{ ref('int_customers_acquired') }}
),

recommendations as (
    select
        customer_key,
        max(case when recommendation_rank = 1 then category end) as next_best_category_1,
        max(case when recommendation_rank = 2 then category end) as next_best_category_2,
        max(case when recommendation_rank = 3 then category end) as next_best_category_3
    from cross_sell
    group by customer_key
),

final as (
    select
        customers.customer_key,
        lifecycle.as_of_date,
        customers.display_name,
        customers.email,
        customers.phone,
        customers.city,
        customers.province,
        customers.acquisition_channel,
        acquired.reporting_channel as acquisition_reporting_channel,
        acquired.acquisition_month as cohort_month,
        customers.has_marketing_consent,
        customers.first_seen_at,
        lifecycle.lifecycle_stage,
        lifecycle.first_order_date,
        lifecycle.last_order_date,
        lifecycle.next_purchase_due_date,
        rfm.recency_days,
        cast(rfm.frequency as bigint) as frequency,
        rfm.monetary_cny,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_cell,
        rfm.rfm_segment,
        decline.is_declining,
        decline.net_revenue_drop_share,
        customer_value.lifetime_net_revenue_cny,
        customer_value.trailing_12m_net_revenue_cny,
        cast(customer_value.order_count as bigint) as order_count,
        customer_value.average_order_value_cny,
        customer_value.probability_alive,
        customer_value.expected_purchases,
        customer_value.expected_revenue_cny,
        customer_value.influence_score,
        customer_value.value_score,
        customer_value.value_tier,
        satisfaction.latest_nps_score,
        satisfaction.nps_class,
        satisfaction.average_csat,
        satisfaction.survey_count,
        recommendations.next_best_category_1,
        recommendations.next_best_category_2,
        recommendations.next_best_category_3,
        last_contact.last_contact_at,
        last_contact.last_contact_channel,
        coalesce(decline.is_reactivation_candidate, false) as is_reactivation_candidate,
        coalesce(decline.revenue_at_risk_cny, 0) as revenue_at_risk_cny
    from customers
    inner join lifecycle on customers.customer_key = lifecycle.customer_key
    inner join customer_value on customers.customer_key = customer_value.customer_key
    left join rfm on customers.customer_key = rfm.customer_key
    left join decline on customers.customer_key = decline.customer_key
    left join satisfaction on customers.customer_key = satisfaction.customer_key
    left join recommendations on customers.customer_key = recommendations.customer_key
    left join last_contact on customers.customer_key = last_contact.customer_key
    left join acquired on customers.customer_key = acquired.customer_key
)

select * from final
