-- mart_customer_profile has exactly one row per customer of dim_customers: its inner joins never
-- silently drop a customer (and nothing adds one). Returns the two counts when they differ.
{{ config(meta={'dagster': {'ref': {'name': 'mart_customer_profile'}}}) }}
with

customers as (
    select count(*) as customer_count from {{ ref('dim_customers') }}
),

profiles as (
    select count(*) as profile_count from {{ ref('mart_customer_profile') }}
)

select
    customers.customer_count,
    profiles.profile_count
from customers
cross join profiles
where customers.customer_count <> profiles.profile_count
