{#-
    One row per customer (a resolved person), joined from the intermediate identity steps.
    Survivorship: CRM values first (int_customer_contacts_survived: the person's most recently
    updated CRM contact), then the most recent valid value seen in any source
    (int_customer_records_summarised); an identifier flagged as junk is never chosen. Consent:
    true when at least one of the customer's addresses holds consent for a channel itself
    (int_customer_consents_resolved, from core.contact_point_consent); none means no consent.
    Acquisition channel: CRM lead source, else the first order's channel, else the first social
    platform (int_customer_first_touches). Referrer: the CRM referrer contact's customer.
-#}
with

customers as (
    select * from {{ ref('int_customer_records_summarised') }}
),

contacts as (
    select * from {{ ref('int_customer_contacts_survived') }}
),

first_touches as (
    select * from {{ ref('int_customer_first_touches') }}
),

consents as (
    select * from {{ ref('int_customer_consents_resolved') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

contact_customers as (
    select
        record_id as contact_id,
        customer_key
    from source_map
    where source = 'crm' and source_table = 'contacts'
),

final as (
    -- the column order is what BI reads (and the contract's), so calculations stay in place
    select  -- noqa: ST06
        customers.customer_key,
        contacts.contact_id as primary_crm_contact_id,
        contacts.first_name,
        contacts.last_name,
        coalesce(contacts.last_name || contacts.first_name, first_touches.first_social_display_name) as display_name,
        coalesce(contacts.email, customers.latest_email) as email,
        coalesce(contacts.phone, customers.latest_phone) as phone,
        contacts.gender,
        contacts.birth_date,
        contacts.city,
        contacts.province,
        contacts.country,
        customers.social_accounts,
        coalesce(
            contacts.lead_source, first_touches.first_order_channel, first_touches.first_social_platform
        ) as acquisition_channel,
        case
            when contacts.lead_source is not null then 'crm_lead_source'
            when first_touches.first_order_channel is not null then 'first_order_channel'
            when first_touches.first_social_platform is not null then 'first_social_platform'
        end as acquisition_channel_source,
        referrers.customer_key as referrer_customer_key,
        coalesce(consents.has_marketing_consent, false) as has_marketing_consent,
        consents.consent_at as marketing_consent_updated_at,
        consents.consent_source as marketing_consent_source,
        customers.first_seen_at,
        customers.last_seen_at,
        customers.source_systems
    from customers
    left join contacts on customers.customer_key = contacts.customer_key
    left join first_touches on customers.customer_key = first_touches.customer_key
    left join consents on customers.customer_key = consents.customer_key
    left join contact_customers as referrers on contacts.referrer_contact_id = referrers.contact_id
)

select * from final
