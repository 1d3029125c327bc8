{#-
    One row per marketing touch, placed in its customer journey. A conversion is a standing order
    of a known customer on or before as_of. Its journey holds the customer's touches after the
    previous conversion and at most attribution_lookback_days before the order (a touch at the
    order's own time belongs to it). Touches in no converted journey form non-converting journeys:
    those between two conversions (or before the first, or after the last) in consecutive windows
    of attribution_lookback_days from the first of them. A non-converting journey is open while
    its last touch is less than the lookback before the end of the as_of date (it may still
    convert). Touches and orders are ordered by time, then conversions after touches, then id.
    The touch and conversion streams of a customer are merged and numbered in one pass: linear in
    touches plus orders, no self-join over touches. Conversions come from fct_orders, so this runs
    beside mart_order_contribution; the marts below join the orders' contribution.

    Incremental by customer (macro delete_changed_journey_customers: the customers whose touches,
    conversions or as-of window changed since the last build are deleted, then every customer the
    table does not hold is appended, from all their touches and conversions). conversion_count
    keeps how many conversions the customer had, so that one lost is seen.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook=[
        "{{ create_journeys_built_for() }}",
        "{{ delete_changed_journey_customers() }}",
    ],
    post_hook=[
        "truncate table {{ journeys_built_for() }}",
        "insert into {{ journeys_built_for() }} select {{ as_of_date() }}, {{ var('attribution_lookback_days') }}",
    ]
) }}
with

touches as (
    select * from {{ ref('int_attribution_touches') }}
    {{ where_key_not_built('customer_key', 'customer_key') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
    {{ where_key_not_built('customer_key', 'customer_key') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

conversions as (
    select
        orders.order_id,
        orders.customer_key,
        orders.ordered_at
    from orders
    cross join as_of
    where {{ is_conversion('orders', 'as_of.as_of_date') }}
),

conversion_counts as (
    select
        customer_key,
        count(*) as conversion_count
    from conversions
    group by customer_key
),

events as (
    select
        customer_key,
        touched_at as event_at,
        0 as is_conversion,
        touch_id as event_id
    from touches
    union all
    select
        customer_key,
        ordered_at as event_at,
        1 as is_conversion,
        order_id as event_id
    from conversions
),

numbered as (
    select
        customer_key,
        is_conversion,
        event_id,
        sum(is_conversion) over (
            partition by customer_key
            order by event_at, is_conversion, event_id
            rows between unbounded preceding and current row
        ) as conversions_before
    from events
),

placed as (
    select
        touches.*,
        touch_events.conversions_before as segment_number,
        conversions.order_id,
        conversions.ordered_at,
        conversions.order_id is not null
        and {{ seconds_between('touches.touched_at', 'conversions.ordered_at') }}
        <= {{ var('attribution_lookback_days') }} * 86400 as is_converted
    from touches
    inner join numbered as touch_events
        on
            touches.customer_key = touch_events.customer_key
            and touches.touch_id = touch_events.event_id
            and touch_events.is_conversion = 0
    left join numbered as conversion_events
        on
            touch_events.customer_key = conversion_events.customer_key
            and conversion_events.is_conversion = 1
            and conversion_events.conversions_before = touch_events.conversions_before + 1
    left join conversions on conversion_events.event_id = conversions.order_id
),

windowed as (
    select
        placed.*,
        min(placed.touched_at) over (
            partition by placed.customer_key, placed.segment_number, placed.is_converted
        ) as run_started_at
    from placed
),

journey_touches as (
    select
        case
            when is_converted then {{ dbt.concat(["'C|'", "order_id"]) }}
            else {{ dbt.concat([
                "'N|'",
                "customer_key",
                "'|'",
                "cast(segment_number as " ~ dbt.type_string() ~ ")",
                "'|'",
                "cast(floor(" ~ seconds_between('run_started_at', 'touched_at') ~ " / ("
                    ~ var('attribution_lookback_days') ~ " * 86400)) as " ~ dbt.type_bigint() ~ ")",
            ]) }}
        end as journey_id,
        touch_id,
        customer_key,
        touched_at,
        touch_source,
        touch_type,
        campaign_id,
        reporting_channel,
        touch_weight,
        is_converted,
        case when is_converted then order_id end as order_id,
        case when is_converted then ordered_at end as ordered_at
    from windowed
),

final as (
    select
        journey_touches.journey_id,
        journey_touches.touch_id,
        journey_touches.customer_key,
        row_number() over (
            partition by journey_touches.journey_id
            order by journey_touches.touched_at, journey_touches.touch_id
        ) as touch_index,
        count(*) over (partition by journey_touches.journey_id) as touch_count,
        journey_touches.touched_at,
        journey_touches.touch_source,
        journey_touches.touch_type,
        journey_touches.campaign_id,
        journey_touches.reporting_channel,
        journey_touches.touch_weight,
        journey_touches.is_converted,
        journey_touches.order_id,
        journey_touches.ordered_at,
        case
            when journey_touches.is_converted
                then {{ seconds_between('journey_touches.touched_at', 'journey_touches.ordered_at') }}
        end as seconds_before_conversion,
        not journey_touches.is_converted
        and {{ journey_is_open(
            'max(journey_touches.touched_at) over (partition by journey_touches.journey_id)', 'as_of.as_of_date'
        ) }} as is_open_journey,
        coalesce(conversion_counts.conversion_count, 0) as conversion_count,
        {{ staged_at() }} as _staged_at
    from journey_touches
    cross join as_of
    left join conversion_counts on journey_touches.customer_key = conversion_counts.customer_key
)

select * from final
