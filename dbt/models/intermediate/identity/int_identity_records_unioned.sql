{#-
    Every staged source record that can carry identifiers, as delivered (one row per CRM contact
    version), with its record key and when it was staged: what int_identity_records_normalised
    normalises, one record key at a time.
-#}
{{ config(materialized='view') }}

with

contact_versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

campaign_activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

responses as (
    select * from {{ ref('stg_survey__responses') }}
),

unioned as (
    select
        'crm' as source,
        'contacts' as source_table,
        contact_id as record_id,
        created_at as occurred_at,
        contact_id as crm_contact_id,
        email,
        phone,
        social_platform,
        social_handle,
        _staged_at
    from contact_versions
    union all
    select
        'crm' as source,
        'campaign_activity' as source_table,
        activity_id as record_id,
        occurred_at,
        contact_id as crm_contact_id,
        email,
        phone,
        null as social_platform,
        null as social_handle,
        _staged_at
    from campaign_activities
    union all
    select
        'orders' as source,
        'orders' as source_table,
        order_id as record_id,
        ordered_at as occurred_at,
        customer_crm_contact_id as crm_contact_id,
        customer_email as email,
        customer_phone as phone,
        null as social_platform,
        null as social_handle,
        _staged_at
    from orders
    union all
    select
        'social' as source,
        'engagements' as source_table,
        event_id as record_id,
        occurred_at,
        null as crm_contact_id,
        user_email as email,
        user_phone as phone,
        platform as social_platform,
        user_handle as social_handle,
        _staged_at
    from engagements
    union all
    select
        'survey' as source,
        'responses' as source_table,
        response_id as record_id,
        submitted_at as occurred_at,
        contact_id as crm_contact_id,
        email,
        phone,
        null as social_platform,
        null as social_handle,
        _staged_at
    from responses
),

final as (
    select
        {{ record_key('source', 'source_table', 'record_id') }} as record_key,
        source,
        source_table,
        record_id,
        occurred_at,
        crm_contact_id,
        email,
        phone,
        social_platform,
        social_handle,
        _staged_at
    from unioned
)

select * from final
