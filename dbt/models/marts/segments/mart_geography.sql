{#-
    One row per province and city (from the customer dimension; 'unknown' where not known):
    customers, buyers, active customers (lifecycle stage new or active) and their share of the
    area's customers, and net revenue, so marketers can see active and inactive areas.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

lifecycle as (
    select * from {{ ref('mart_customer_lifecycle') }}
),

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

located as (
    select
        lifecycle.lifecycle_stage,
        summary.trailing_12m_net_revenue_cny,
        summary.lifetime_net_revenue_cny,
        coalesce(customers.province, 'unknown') as province,
        coalesce(customers.city, 'unknown') as city
    from customers
    inner join lifecycle on customers.customer_key = lifecycle.customer_key
    left join summary on customers.customer_key = summary.customer_key
),

final as (
    select
        province,
        city,
        cast(
            1.0 * sum(case when lifecycle_stage in ('new', 'active') then 1 else 0 end) / count(*)
            as decimal(6, 4)
        ) as active_share,
        count(*) as customers,
        sum(case when lifecycle_stage != 'prospect' then 1 else 0 end) as buying_customers,
        sum(case when lifecycle_stage in ('new', 'active') then 1 else 0 end) as active_customers,
        coalesce(sum(trailing_12m_net_revenue_cny), 0) as trailing_12m_net_revenue_cny,
        coalesce(sum(lifetime_net_revenue_cny), 0) as lifetime_net_revenue_cny
    from located
    group by province, city
)

select * from final
