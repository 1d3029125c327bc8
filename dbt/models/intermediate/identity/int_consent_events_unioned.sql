{#-
    One row per marketing-consent event of a resolved customer, from two sources: every CRM
    contact version that states a consent (dated consent_updated_at, else the version's
    updated_at) and every campaign unsubscribe (no consent, dated when it happened).
    int_customer_consents_resolved keeps the latest one per customer.
-#}
{#- A view: read once, by int_customer_consents_resolved. -#}
{{ config(materialized='view') }}

with

source_map as (
    select * from {{ ref('customer_source_map') }}
),

contact_versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

campaign_activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

crm_consents as (
    select
        {{ dbt.concat(["'crm|contacts|'", "contact_versions.contact_version_id"]) }} as consent_event_id,
        source_map.customer_key,
        coalesce(contact_versions.consent_updated_at, contact_versions.updated_at) as consent_at,
        contact_versions.has_marketing_consent,
        'crm' as consent_source
    from source_map
    inner join contact_versions
        on
            source_map.source = 'crm' and source_map.source_table = 'contacts'
            and source_map.record_id = contact_versions.contact_id
    where contact_versions.has_marketing_consent is not null
),

unsubscribes as (
    select
        {{ dbt.concat(["'crm|campaign_activity|'", "campaign_activities.activity_id"]) }} as consent_event_id,
        source_map.customer_key,
        campaign_activities.occurred_at as consent_at,
        false as has_marketing_consent,
        'campaign_unsubscribe' as consent_source
    from source_map
    inner join campaign_activities
        on
            source_map.source = 'crm' and source_map.source_table = 'campaign_activity'
            and source_map.record_id = campaign_activities.activity_id
    where campaign_activities.activity_type = 'unsubscribed'
),

final as (
    select
        consent_event_id,
        customer_key,
        consent_at,
        has_marketing_consent,
        consent_source
    from crm_consents
    union all
    select
        consent_event_id,
        customer_key,
        consent_at,
        has_marketing_consent,
        consent_source
    from unsubscribes
)

select * from final
