{#-
    One row per customer and campaign channel they were ever contacted on: contacts (campaign
    sends), responses (clicks and conversions; opens are not counted, mail clients open by
    themselves), when they were last contacted and last responded, and the contacts within the
    last var audience_frequency_window_days days up to the as-of date (the frequency cap counts
    these). Read by the audiences. Activity of a campaign the CRM never delivered (so without a
    channel; the staging relationships test warns about it) is left out.
-#}
with

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

campaign_touches as (
    select
        customer_key,
        channel,
        touchpoint_type,
        occurred_at
    from touchpoints
    where
        campaign_id is not null
        and channel is not null
        and source = 'crm'
        and touchpoint_type in ('sent', 'clicked', 'converted')
        and cast(occurred_at as date) <= {{ as_of_date() }}
),

final as (
    select
        customer_key,
        channel,
        count(case when touchpoint_type = 'sent' then 1 end) as contacts,
        count(case when touchpoint_type in ('clicked', 'converted') then 1 end) as responses,
        count(
            case
                when
                    touchpoint_type = 'sent'
                    and cast(occurred_at as date) > {{ add_days(as_of_date(), -var('audience_frequency_window_days')) }}
                    then 1
            end
        ) as contacts_in_frequency_window,
        max(case when touchpoint_type = 'sent' then occurred_at end) as last_contacted_at,
        max(case when touchpoint_type in ('clicked', 'converted') then occurred_at end) as last_responded_at
    from campaign_touches
    group by customer_key, channel
)

select * from final
