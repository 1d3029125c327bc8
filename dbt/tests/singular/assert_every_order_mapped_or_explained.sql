-- Every order resolves to a customer or is listed, with its reason, in identity_unmapped_records.
-- Returns the orders that are neither.
{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
with

orders as (
    select * from {{ ref('fct_orders') }}
),

unmapped as (
    select * from {{ ref('identity_unmapped_records') }}
    where source = 'orders'
)

select orders.order_id
from orders
left join unmapped on orders.order_id = unmapped.record_id
where orders.customer_key is null and unmapped.record_id is null
