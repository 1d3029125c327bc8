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
        responses.csat_score
    from responses
    inner join source_map
        on source_map.source = 'survey' and responses.response_id = source_map.record_id
    cross join as_of
    where cast(responses.submitted_at as date) <= as_of.as_of_date
),

latest_answers as (
    {{ first_record(
        'select * from answered',
        'customer_key',
        'case when nps_score is null then 1 else 0 end asc, submitted_at desc nulls last, response_id desc'
    ) }}
),

per_customer as (
    select
        customer_key,
        count(*) as survey_count,
        max(submitted_at) as last_survey_at,
        avg(csat_score) as average_csat
    from answered
    group by customer_key
),

summarised as (
    select
        per_customer.customer_key,
        per_customer.survey_count,
        per_customer.last_survey_at,
        per_customer.average_csat,
        latest_answers.nps_score as latest_nps_score
    from per_customer
    inner join latest_answers on per_customer.customer_key = latest_answers.customer_key
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
    from summarised
)

select * from final
