{#-
    One row per segment type (rfm_segment, lifecycle_stage or acquisition_channel) and value of it:
    Net Promoter Score of the customers in the group who gave an NPS answer (each counted once,
    with their latest answer): 100 x (promoters - detractors) / respondents. Customers without a
    value in the segment_type count under 'unknown'.
-#}
with

customers as (
    select * from {{ ref('dim_customers') }}
),

satisfaction as (
    select * from {{ ref('mart_customer_satisfaction') }}
),

rfm as (
    select * from {{ ref('mart_customer_rfm') }}
),

lifecycle as (
    select * from {{ ref('mart_customer_lifecycle') }}
),

respondents as (
    select
        satisfaction.customer_key,
        satisfaction.nps_class,
        coalesce(rfm.rfm_segment, 'unknown') as rfm_segment,
        coalesce(lifecycle.lifecycle_stage, 'unknown') as lifecycle_stage,
        coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel
    from satisfaction
    inner join customers on satisfaction.customer_key = customers.customer_key
    left join rfm on satisfaction.customer_key = rfm.customer_key
    left join lifecycle on satisfaction.customer_key = lifecycle.customer_key
    where satisfaction.nps_class is not null
),

grouped as (
    select
        'rfm_segment' as segment_type,
        rfm_segment as segment_value,
        nps_class
    from respondents
    union all
    select
        'lifecycle_stage' as segment_type,
        lifecycle_stage as segment_value,
        nps_class
    from respondents
    union all
    select
        'acquisition_channel' as segment_type,
        acquisition_channel as segment_value,
        nps_class
    from respondents
),

counted as (
    select
        segment_type,
        segment_value,
        count(*) as respondents,
        sum(case when nps_class = 'promoter' then 1 else 0 end) as promoters,
        sum(case when nps_class = 'passive' then 1 else 0 end) as passives,
        sum(case when nps_class = 'detractor' then 1 else 0 end) as detractors
    from grouped
    group by segment_type, segment_value
),

final as (
    select
        segment_type,
        segment_value,
        respondents,
        promoters,
        passives,
        detractors,
        cast(100.0 * (promoters - detractors) / respondents as decimal(6, 1)) as net_promoter_score
    from counted
)

select * from final
