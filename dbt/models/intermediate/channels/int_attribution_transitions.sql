{#-
    One row per transition between states of the first-order Markov chain over the paths of all
    closed journeys with touches (converted, or non-converting and no longer open): start -> first
    touch's channel, channel -> next touch's channel, last channel -> conversion or null; with the
    number of journeys' steps that made it. Open journeys may still convert and are left out.
-#}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

steps as (
    select
        case
            when touch_index = 1 then 'start'
            else lag(reporting_channel) over (partition by journey_id order by touch_index)
        end as from_state,
        reporting_channel as to_state
    from journey_touches
    where not is_open_journey
    union all
    select
        reporting_channel as from_state,
        case when is_converted then 'conversion' else 'null' end as to_state
    from journey_touches
    where not is_open_journey and touch_index = touch_count
),

final as (
    select
        from_state,
        to_state,
        count(*) as transitions
    from steps
    group by from_state, to_state
)

select * from final
