{#-
    One row per customer: whom to contact next, through which channel, when, with which product and
    offer, or "do not contact" with the reason. As of the as-of date.
    - Channel: among the owned channels where one of the customer's addresses is usable
      (contact_point_consent) and the frequency cap is not reached, the highest response rate
      (clicks and conversions per send, mart_customer_response_history), shrunk towards the
      channel's average as if the customer had var nba_shrinkage_contacts more sends at that
      average: a customer with no history gets the channel average, one with many sends their own.
    - Time: the weekday and hour (local time, var source_timezone) of most of their own engagement
      (orders, social engagement, survey answers, opens and clicks; ties: the earlier), and the
      date their next purchase is due (mart_customer_lifecycle).
    - Product: their first next-best category (mart_customer_cross_sell).
    - Offer: promotion sensitivity from their standing orders: the share with a promotion code or a
      discount and the average discount depth; discount when the share is at least var
      nba_promo_sensitive_share, else full_price; first_order for a customer who never bought.
    - Do not contact: no_consent (no usable address on an owned channel), recent_complaint (an NPS
      below var nps_passive_min or a CSAT at most var nba_complaint_max_csat within var
      nba_complaint_days days), fatigue (the frequency cap reached on every usable channel).
-#}
with

profile as (
    select * from {{ ref('mart_customer_profile') }}
),

history as (
    select * from {{ ref('mart_customer_response_history') }}
),

consent as (
    select * from {{ ref('contact_point_consent') }}
),

channel_points as (
    select * from {{ ref('channel_contact_points') }}
),

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

responses as (
    select * from {{ ref('stg_survey__responses') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

-- the date the profile is computed as of
as_of as (
    select max(as_of_date) as as_of_date from profile
),

channel_rates as (
    select
        channel,
        cast(sum(responses) as double) / nullif(sum(contacts), 0) as channel_response_rate
    from history
    group by channel
),

usable_channels as (
    select distinct
        consent.customer_key,
        consent.channel
    from consent
    inner join channel_points on consent.channel = channel_points.channel
    where consent.is_usable and channel_points.export_as = 'address'
),

scored as (
    select
        usable_channels.customer_key,
        usable_channels.channel,
        coalesce(channel_rates.channel_response_rate, 0) as channel_response_rate,
        coalesce(history.contacts_in_frequency_window, 0) >= {{ var('audience_frequency_cap') }} as is_capped,
        (
            coalesce(history.responses, 0)
            + {{ var('nba_shrinkage_contacts') }} * coalesce(channel_rates.channel_response_rate, 0)
        ) / (coalesce(history.contacts, 0) + {{ var('nba_shrinkage_contacts') }}) as response_rate
    from usable_channels
    left join history
        on usable_channels.customer_key = history.customer_key and usable_channels.channel = history.channel
    left join channel_rates on usable_channels.channel = channel_rates.channel
),

best_channels as (
    {{ first_record(
        'select * from scored where not is_capped',
        'customer_key',
        'response_rate desc, channel asc'
    ) }}
),

reachable as (
    select
        customer_key,
        min(case when is_capped then 1 else 0 end) = 1 as is_fatigued
    from scored
    group by customer_key
),

engagements as (
    select
        touchpoints.customer_key,
        {{ iso_weekday(local_time('touchpoints.occurred_at')) }} as local_weekday,
        extract(hour from {{ local_time('touchpoints.occurred_at') }}) as local_hour
    from touchpoints
    cross join as_of
    where
        touchpoints.touchpoint_type not in ('sent', 'delivered', 'bounced', 'unsubscribed')
        and cast(touchpoints.occurred_at as date) <= as_of.as_of_date
),

weekday_counts as (
    select
        customer_key,
        local_weekday,
        count(*) as engagements
    from engagements
    group by customer_key, local_weekday
),

hour_counts as (
    select
        customer_key,
        local_hour,
        count(*) as engagements
    from engagements
    group by customer_key, local_hour
),

best_weekdays as (
    {{ first_record('select * from weekday_counts', 'customer_key', 'engagements desc, local_weekday asc') }}
),

best_hours as (
    {{ first_record('select * from hour_counts', 'customer_key', 'engagements desc, local_hour asc') }}
),

promotion_sensitivity as (
    select
        orders.customer_key,
        avg(
            case when orders.promo_code is not null or orders.discount_amount_cny > 0 then 1.0 else 0.0 end
        ) as promo_order_share,
        avg(
            case
                when orders.discount_amount_cny > 0
                    then cast(orders.discount_amount_cny as double) / nullif(orders.gross_amount_cny, 0)
            end
        ) as average_discount_share
    from orders
    cross join as_of
    where
        orders.customer_key is not null
        and not orders.is_cancelled_or_refunded
        and orders.order_date <= as_of.as_of_date
    group by orders.customer_key
),

complaints as (
    select distinct source_map.customer_key
    from responses
    inner join source_map
        on source_map.source = 'survey' and responses.response_id = source_map.record_id
    cross join as_of
    where
        cast(responses.submitted_at as date) <= as_of.as_of_date
        and cast(responses.submitted_at as date)
        > {{ add_days('as_of.as_of_date', -var('nba_complaint_days')) }}
        and (
            responses.nps_score < {{ var('nps_passive_min') }}
            or responses.csat_score <= {{ var('nba_complaint_max_csat') }}
        )
),

final as (
    select
        profile.customer_key,
        profile.as_of_date,
        best_channels.channel as best_channel,
        best_channels.response_rate as best_channel_response_rate,
        best_channels.channel_response_rate,
        best_weekdays.local_weekday as best_weekday,
        best_hours.local_hour as best_hour,
        profile.next_purchase_due_date,
        profile.next_best_category_1 as next_category,
        promotion_sensitivity.promo_order_share,
        promotion_sensitivity.average_discount_share,
        case
            when reachable.customer_key is null then 'do_not_contact'
            when complaints.customer_key is not null then 'do_not_contact'
            when reachable.is_fatigued then 'do_not_contact'
            else 'contact'
        end as recommended_action,
        case
            when reachable.customer_key is null then 'no_consent'
            when complaints.customer_key is not null then 'recent_complaint'
            when reachable.is_fatigued then 'fatigue'
        end as do_not_contact_reason,
        case
            when promotion_sensitivity.customer_key is null then 'first_order'
            when promotion_sensitivity.promo_order_share >= {{ var('nba_promo_sensitive_share') }} then 'discount'
            else 'full_price'
        end as offer
    from profile
    left join best_channels on profile.customer_key = best_channels.customer_key
    left join reachable on profile.customer_key = reachable.customer_key
    left join best_weekdays on profile.customer_key = best_weekdays.customer_key
    left join best_hours on profile.customer_key = best_hours.customer_key
    left join promotion_sensitivity on profile.customer_key = promotion_sensitivity.customer_key
    left join complaints on profile.customer_key = complaints.customer_key
)

select * from final
