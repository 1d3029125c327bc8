{#-
    One row per customer journey (int_attribution_journey_touches): every conversion (a standing
    order of a known customer on or before as_of), with or without touches before it, and every
    non-converting run of touches. path: the touches' reporting channels in time order joined with
    ' > ' (null for a conversion without touches).
-#}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

contribution as (
    select * from {{ ref('mart_order_contribution') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

touched_journeys as (
    select
        journey_id,
        min(customer_key) as customer_key,
        min(touched_at) as first_touch_at,
        max(touched_at) as last_touch_at,
        {{ dbt.bool_or('is_converted') }} as is_converted,
        {{ dbt.bool_or('is_open_journey') }} as is_open,
        min(order_id) as order_id,
        min(ordered_at) as ordered_at,
        count(*) as touch_count,
        {{ ordered_string_agg('reporting_channel', "' > '", 'touch_index') }} as path
    from journey_touches
    group by journey_id
),

untouched_conversions as (
    select
        {{ dbt.concat(["'C|'", "contribution.order_id"]) }} as journey_id,
        contribution.customer_key,
        contribution.ordered_at,
        contribution.order_id,
        contribution.contribution_margin_cny as conversion_value_cny,
        contribution.net_revenue_cny as conversion_revenue_cny
    from contribution
    cross join as_of
    left join touched_journeys on contribution.order_id = touched_journeys.order_id
    where
        contribution.customer_key is not null
        and contribution.ordered_at is not null
        and not contribution.is_cancelled_or_refunded
        and contribution.order_date <= as_of.as_of_date
        and touched_journeys.journey_id is null
),

final as (
    select
        touched_journeys.journey_id,
        touched_journeys.customer_key,
        touched_journeys.first_touch_at as journey_start_at,
        case
            when touched_journeys.is_converted then touched_journeys.ordered_at else touched_journeys.last_touch_at
        end as journey_end_at,
        touched_journeys.is_converted,
        touched_journeys.is_open,
        touched_journeys.order_id,
        case when touched_journeys.is_converted then contribution.contribution_margin_cny else 0 end
            as conversion_value_cny,
        case when touched_journeys.is_converted then contribution.net_revenue_cny else 0 end as conversion_revenue_cny,
        touched_journeys.touch_count,
        touched_journeys.path
    from touched_journeys
    left join contribution on touched_journeys.order_id = contribution.order_id
    union all
    select
        journey_id,
        customer_key,
        ordered_at as journey_start_at,
        ordered_at as journey_end_at,
        true as is_converted,
        false as is_open,
        order_id,
        conversion_value_cny,
        conversion_revenue_cny,
        0 as touch_count,
        cast(null as {{ dbt.type_string() }}) as path
    from untouched_conversions
)

select * from final
