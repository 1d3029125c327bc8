{#-
    One row per converted journey, touch and attribution model: the touch's share of the
    conversion (credits of one model sum to 1 per converted journey with touches) and the
    contribution it is credited with. Kept narrow (six rows per touch): the customer, the order and
    its time are in mart_attribution_journeys (join on journey_id).
    first_touch / last_touch: all to the first / last touch; linear: touch weight / sum of the
    journey's weights (equal shares with the default weights); position_based: 40% first, 40% last,
    20% shared by the middle touches (one touch 100%, two 50/50); time_decay: weight x
    0.5 ^ (days before the order / attribution_time_decay_half_life_days), normalised; markov: the
    journey's distinct channels split it by their Markov shares (mart_attribution_markov),
    normalised over the journey, each channel's part shared equally by its touches.
-#}
{%- set models = ['first_touch', 'last_touch', 'linear', 'position_based', 'time_decay', 'markov'] %}
with

journey_touches as (
    select * from {{ ref('int_attribution_journey_touches') }}
),

markov as (
    select * from {{ source('fitted_marts', 'mart_attribution_markov') }}
),

contribution as (
    select * from {{ ref('mart_order_contribution') }}
),

converted as (
    select
        journey_touches.*,
        contribution.contribution_margin_cny as conversion_value_cny,
        contribution.net_revenue_cny as conversion_revenue_cny,
        power(
            0.5,
            cast(journey_touches.seconds_before_conversion as double)
            / ({{ var('attribution_time_decay_half_life_days') }} * 86400)
        ) * journey_touches.touch_weight as decay_weight
    from journey_touches
    inner join contribution on journey_touches.order_id = contribution.order_id
    where journey_touches.is_converted
),

journey_channels as (
    select
        converted.journey_id,
        converted.reporting_channel,
        count(*) as channel_touches,
        max(coalesce(markov.markov_share, 0)) as markov_share
    from converted
    left join markov on converted.reporting_channel = markov.channel
    group by converted.journey_id, converted.reporting_channel
),

journey_markov_totals as (
    select
        journey_id,
        sum(markov_share) as markov_share_total
    from journey_channels
    group by journey_id
),

journey_totals as (
    select
        converted.journey_id,
        sum(converted.touch_weight) as weight_total,
        sum(converted.decay_weight) as decay_weight_total,
        max(journey_markov_totals.markov_share_total) as markov_share_total
    from converted
    inner join journey_markov_totals on converted.journey_id = journey_markov_totals.journey_id
    group by converted.journey_id
),

shares as (
    select
        converted.journey_id,
        converted.touch_id,
        converted.campaign_id,
        converted.reporting_channel,
        converted.conversion_value_cny,
        converted.conversion_revenue_cny,
        case when converted.touch_index = 1 then 1.0 else 0.0 end as first_touch,
        case when converted.touch_index = converted.touch_count then 1.0 else 0.0 end as last_touch,
        converted.touch_weight / journey_totals.weight_total as linear,
        case
            when converted.touch_count = 1 then 1.0
            when converted.touch_count = 2 then 0.5
            when converted.touch_index = 1 or converted.touch_index = converted.touch_count then 0.4
            else 0.2 / (converted.touch_count - 2)
        end as position_based,
        converted.decay_weight / journey_totals.decay_weight_total as time_decay,
        case
            when journey_totals.markov_share_total > 0
                then
                    journey_channels.markov_share / journey_totals.markov_share_total / journey_channels.channel_touches
            else 1.0 / converted.touch_count
        end as markov
    from converted
    inner join journey_totals on converted.journey_id = journey_totals.journey_id
    inner join journey_channels
        on
            converted.journey_id = journey_channels.journey_id
            and converted.reporting_channel = journey_channels.reporting_channel
),

credits as (
    {%- for model in models %}
        select
            shares.*,
            '{{ model }}' as attribution_model,
            cast(shares.{{ model }} as double) as credit_share
        from shares
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        journey_id,
        touch_id,
        attribution_model,
        campaign_id,
        reporting_channel,
        credit_share,
        credit_share * conversion_value_cny as attributed_contribution_cny,
        credit_share * conversion_revenue_cny as attributed_revenue_cny
    from credits
)

select * from final
