{#-
    One row per audience, channel and outcome of its candidates (int_audience_candidates_evaluated):
    how many were selected (treatment and control apart) and how many each exclusion left out, so
    that a marketer sees why an audience is the size it is. The counts of an audience and channel
    add up to its candidates.
-#}
with

evaluated as (
    select * from {{ ref('int_audience_candidates_evaluated') }}
),

labelled as (
    select
        evaluated.audience_name,
        evaluated.channel,
        evaluated.outcome <> 'selected' as is_exclusion,
        case
            when evaluated.outcome = 'selected' and evaluated.is_control_group then 'selected_control'
            when evaluated.outcome = 'selected' then 'selected_treatment'
            else evaluated.outcome
        end as outcome
    from evaluated
),

final as (
    select
        audience_name,
        channel,
        outcome,
        is_exclusion,
        count(*) as customers
    from labelled
    group by audience_name, channel, outcome, is_exclusion
)

select * from final
