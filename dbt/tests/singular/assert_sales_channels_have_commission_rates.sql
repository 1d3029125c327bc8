{#-
    Every sales channel with orders has a commission rate (seed channel_commission_rates) valid on
    its order dates: returns each channel with orders lacking one, never counted as free.
-#}
{{ config(store_failures=true) }}
select
    coalesce(sales_channel, '(no channel)') as sales_channel,
    min(order_date) as first_order_date_without_rate,
    count(*) as orders_without_rate
from {{ ref('mart_order_contribution') }}
where commission_rate is null
group by coalesce(sales_channel, '(no channel)')
