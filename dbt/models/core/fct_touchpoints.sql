{#-
    One row per interaction of a known person (a resolved customer) with the brand, across all
    sources: orders, social engagements, survey responses and campaign activity.
    value: net order amount in CNY for orders, the NPS answer for surveys, null otherwise.

    Incremental by record (touchpoint_id is the record key): the pre-hook deletes the touchpoints
    whose record was remapped, restaged (an order rebuilt in fct_orders, an engagement, response or
    activity restaged, or an activity's campaign restaged) or is no longer mapped
    (touchpoints_to_rebuild); the build appends every touchpoint the table does not hold.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where {{ touchpoints_to_rebuild() }}{% endif %}"
) }}

{#- The mapped records a build writes touchpoints for: all of them on a full build (the relation
    itself, joined in each branch: a CTE of it referenced three times would be copied whole first),
    and on an incremental one those the table does not hold, found with one anti-join (an order's
    customer_key is its mapped record's). -#}
{%- set mapped_records = 'unbuilt_records' if is_incremental() else ref('customer_source_map') %}

with

{% if is_incremental() %}
    unbuilt_records as (
        select
            record_key,
            source,
            source_table,
            record_id,
            customer_key
        from {{ ref('customer_source_map') }}
        where record_key not in (select touchpoint_id from {{ this }})
    ),
{% endif %}

orders as (
    select * from {{ ref('fct_orders') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

responses as (
    select * from {{ ref('stg_survey__responses') }}
),

activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

touchpoints as (
    select
        {{ record_key("'orders'", "'orders'", 'orders.order_id') }} as touchpoint_id,
        orders.customer_key,
        orders.ordered_at as occurred_at,
        'orders' as source,
        orders.channel,
        'order' as touchpoint_type,
        orders.campaign_id,
        cast(orders.net_amount_cny as decimal(18, 2)) as touchpoint_value
    from orders
    {%- if is_incremental() %}
        inner join unbuilt_records
            on
                unbuilt_records.source = 'orders' and unbuilt_records.source_table = 'orders'
                and orders.order_id = unbuilt_records.record_id
    {%- endif %}
    where orders.customer_key is not null
    union all
    select
        source_map.record_key as touchpoint_id,
        source_map.customer_key,
        engagements.occurred_at,
        'social' as source,
        engagements.platform as channel,
        engagements.event_type as touchpoint_type,
        engagements.campaign_id,
        cast(null as decimal(18, 2)) as touchpoint_value
    from engagements
    inner join {{ mapped_records }} as source_map
        on
            source_map.source = 'social' and source_map.source_table = 'engagements'
            and engagements.event_id = source_map.record_id
    union all
    select
        source_map.record_key as touchpoint_id,
        source_map.customer_key,
        responses.submitted_at as occurred_at,
        'survey' as source,
        'survey' as channel,
        'survey_response' as touchpoint_type,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        cast(responses.nps_score as decimal(18, 2)) as touchpoint_value
    from responses
    inner join {{ mapped_records }} as source_map
        on source_map.source = 'survey' and responses.response_id = source_map.record_id
    union all
    select
        source_map.record_key as touchpoint_id,
        source_map.customer_key,
        activities.occurred_at,
        'crm' as source,
        campaigns.channel,
        activities.activity_type as touchpoint_type,
        activities.campaign_id,
        cast(null as decimal(18, 2)) as touchpoint_value
    from activities
    inner join {{ mapped_records }} as source_map
        on
            source_map.source = 'crm' and source_map.source_table = 'campaign_activity'
            and activities.activity_id = source_map.record_id
    left join campaigns on activities.campaign_id = campaigns.campaign_id
),

final as (
    select
        touchpoint_id,
        customer_key,
        occurred_at,
        source,
        channel,
        touchpoint_type,
        campaign_id,
        touchpoint_value,
        {{ staged_at() }} as _staged_at
    from touchpoints
)

select * from final
