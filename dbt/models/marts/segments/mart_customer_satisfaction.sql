{#-
    One row per customer who answered at least one survey up to as_of: the latest NPS answer and
    its class (promoter from var nps_promoter_min, passive from var nps_passive_min, else
    detractor), the average CSAT and the number of responses.
-#}
with

responses as (
    select * from {{ ref('stg_survey__responses') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

answered as (
    select
        source_map.customer_key,
        responses.response_id,
        responses.submitted_at,
        responses.nps_score,
        responses.csat_score,
        row_number() over (
            partition by source_map.customer_key
            order by
                case when responses.nps_score is null then 1 else 0 end asc,
                responses.submitted_at desc,
                responses.response_id desc
        ) as nps_recency_rank
    from responses
    inner join source_map
        on source_map.source = 'survey' and responses.response_id = source_map.record_id
    cross join as_of
    where cast(responses.submitted_at as date) <= as_of.as_of_date
),

per_customer as (
    select
        customer_key,
        count(*) as survey_count,
        max(submitted_at) as last_survey_at,
        avg(csat_score) as average_csat,
        max(case when nps_recency_rank = 1 then nps_score end) as latest_nps_score
    from answered
    group by customer_key
),

final as (
    select
        customer_key,
        survey_count,
        last_survey_at,
        latest_nps_score,
        case
            when latest_nps_score >= {{ var('nps_promoter_min') }} then 'promoter'
            when latest_nps_score >= {{ var('nps_passive_min') }} then 'passive'
            when latest_nps_score is not null then 'detractor'
        end as nps_class,
        cast(average_csat as decimal(4, 2)) as average_csat
    from per_customer
)

select * from final
