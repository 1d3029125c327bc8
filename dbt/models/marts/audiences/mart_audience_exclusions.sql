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

final as (
    select
        audience_name,
        channel,
        case
            when outcome = 'selected' and is_control_group then 'selected_control'
            when outcome = 'selected' then 'selected_treatment'
            else outcome
        end as outcome,
        outcome <> 'selected' as is_exclusion,
        count(*) as customers
    from evaluated
    group by
        audience_name,
        channel,
        case
            when outcome = 'selected' and is_control_group then 'selected_control'
            when outcome = 'selected' then 'selected_treatment'
            else outcome
        end,
        outcome <> 'selected'
)

select * from final
