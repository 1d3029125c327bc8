{#-
    One row per customer with at least one standing order up to as_of: recency, frequency and
    monetary value over the RFM window (var rfm_window_days, net of cancellations and refunds),
    their 1-5 scores, the RFM cell and the named segment from the seed rfm_segments.
    Scores are quintiles of percent_rank(): customers with equal values share the score of the
    first position they occupy (ties score down, never split at random), so results are
    deterministic. Recency scores higher the more recent; frequency and monetary the larger.
    The segment is looked up on R and FM, the average of F and M rounded half up.
-#}
with

summary as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

ranked as (
    select
        customer_key,
        as_of_date,
        days_since_last_order as recency_days,
        rfm_window_order_count as frequency,
        rfm_window_net_revenue_cny as monetary_cny,
        percent_rank() over (order by days_since_last_order desc) as recency_rank,
        percent_rank() over (order by rfm_window_order_count asc) as frequency_rank,
        percent_rank() over (order by rfm_window_net_revenue_cny asc) as monetary_rank
    from summary
),

scored as (
    select
        customer_key,
        as_of_date,
        recency_days,
        frequency,
        monetary_cny,
        least(5, 1 + cast(floor(recency_rank * 5) as integer)) as r_score,
        least(5, 1 + cast(floor(frequency_rank * 5) as integer)) as f_score,
        least(5, 1 + cast(floor(monetary_rank * 5) as integer)) as m_score
    from ranked
),

with_fm as (
    select
        *,
        cast(floor((f_score + m_score + 1) / 2) as integer) as fm_score
    from scored
),

final as (
    select
        with_fm.customer_key,
        with_fm.as_of_date,
        with_fm.recency_days,
        with_fm.frequency,
        with_fm.monetary_cny,
        with_fm.r_score,
        with_fm.f_score,
        with_fm.m_score,
        with_fm.fm_score,
        cast(with_fm.r_score * 100 + with_fm.f_score * 10 + with_fm.m_score as {{ dbt.type_string() }}) as rfm_cell,
        segments.segment as rfm_segment
    from with_fm
    left join segments
        on
            with_fm.r_score between segments.r_score_min and segments.r_score_max
            and with_fm.fm_score between segments.fm_score_min and segments.fm_score_max
)

select * from final
