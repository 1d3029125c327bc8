{#-
    One row per customer (a resolved person). Survivorship: CRM values first (from the most
    recently updated CRM contact of the person), then the most recent non-null value seen in any
    source. Consent: the latest consent event wins, across CRM consent changes and campaign
    unsubscribes. Acquisition channel: CRM lead source, else the first order's channel, else the
    first social platform.
-#}
with

source_map as (
    select * from {{ ref('customer_source_map') }}
),

records as (
    select * from {{ ref('int_identity_records_normalised') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

contact_versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

orders as (
    select * from {{ ref('stg_orders__orders') }}
),

engagements as (
    select * from {{ ref('stg_social__engagements') }}
),

activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

junk as (
    select * from {{ ref('identity_junk_identifiers') }}
),

mapped_records as (
    select
        source_map.customer_key,
        records.source,
        records.source_table,
        records.record_id,
        records.occurred_at,
        records.social_account,
        case when junk_email.identifier_key is null then records.email end as email,
        case when junk_phone.identifier_key is null then records.phone end as phone
    from source_map
    inner join records on source_map.record_key = records.record_key
    left join junk as junk_email on {{ dbt.concat(["'email:'", "records.email"]) }} = junk_email.identifier_key
    left join junk as junk_phone on {{ dbt.concat(["'phone:'", "records.phone"]) }} = junk_phone.identifier_key
),

crm_primary as (
    select * from (
        select
            contacts.*,
            source_map.customer_key,
            row_number() over (
                partition by source_map.customer_key
                order by contacts.updated_at desc nulls last, contacts.contact_id desc
            ) as contact_rank
        from source_map
        inner join contacts
            on
                source_map.source = 'crm' and source_map.source_table = 'contacts'
                and source_map.record_id = contacts.contact_id
    ) as ranked
    where contact_rank = 1
),

latest_values as (
    select
        customer_key,
        max(case when email_rank = 1 then email end) as latest_email,
        max(case when phone_rank = 1 then phone end) as latest_phone
    from (
        select
            customer_key,
            email,
            phone,
            row_number() over (
                partition by customer_key
                order by case when email is null then 1 else 0 end, occurred_at desc nulls last
            ) as email_rank,
            row_number() over (
                partition by customer_key
                order by case when phone is null then 1 else 0 end, occurred_at desc nulls last
            ) as phone_rank
        from mapped_records
    ) as ranked
    group by customer_key
),

customer_span as (
    select
        customer_key,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        {{ dbt.listagg("distinct source", "','") }} as source_systems,
        {{ dbt.listagg("distinct social_account", "','") }} as social_accounts
    from mapped_records
    group by customer_key
),

first_order as (
    select * from (
        select
            source_map.customer_key,
            orders.channel,
            row_number() over (partition by source_map.customer_key order by orders.ordered_at, orders.order_id)
                as order_rank
        from source_map
        inner join orders
            on source_map.source = 'orders' and source_map.record_id = orders.order_id
    ) as ranked
    where order_rank = 1
),

first_social as (
    select * from (
        select
            source_map.customer_key,
            engagements.platform,
            engagements.user_display_name,
            row_number() over (
                partition by source_map.customer_key order by engagements.occurred_at, engagements.event_id
            ) as event_rank
        from source_map
        inner join engagements
            on source_map.source = 'social' and source_map.record_id = engagements.event_id
    ) as ranked
    where event_rank = 1
),

consent_events as (
    select
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
    union all
    select
        source_map.customer_key,
        activities.occurred_at as consent_at,
        false as has_marketing_consent,
        'campaign_unsubscribe' as consent_source
    from source_map
    inner join activities
        on
            source_map.source = 'crm' and source_map.source_table = 'campaign_activity'
            and source_map.record_id = activities.activity_id
    where activities.activity_type = 'unsubscribed'
),

latest_consent as (
    select * from (
        select
            consent_events.*,
            row_number() over (
                partition by consent_events.customer_key
                order by
                    consent_events.consent_at desc nulls last,
                    case when consent_events.has_marketing_consent then 1 else 0 end
            ) as consent_rank
        from consent_events
    ) as ranked
    where consent_rank = 1
),

referrers as (
    select
        source_map.record_id as contact_id,
        source_map.customer_key
    from source_map
    where source_map.source = 'crm' and source_map.source_table = 'contacts'
),

final as (
    select
        customer_span.customer_key,
        crm_primary.contact_id as primary_crm_contact_id,
        crm_primary.first_name,
        crm_primary.last_name,
        coalesce(
            crm_primary.last_name || crm_primary.first_name, first_social.user_display_name
        ) as display_name,
        coalesce({{ normalize_email('crm_primary.email') }}, latest_values.latest_email) as email,
        coalesce({{ normalize_phone('crm_primary.phone') }}, latest_values.latest_phone) as phone,
        crm_primary.gender,
        crm_primary.birth_date,
        crm_primary.city,
        crm_primary.province,
        crm_primary.country,
        customer_span.social_accounts,
        coalesce(crm_primary.lead_source, first_order.channel, first_social.platform) as acquisition_channel,
        case
            when crm_primary.lead_source is not null then 'crm_lead_source'
            when first_order.channel is not null then 'first_order_channel'
            when first_social.platform is not null then 'first_social_platform'
        end as acquisition_channel_source,
        referrers.customer_key as referrer_customer_key,
        coalesce(latest_consent.has_marketing_consent, false) as has_marketing_consent,
        latest_consent.consent_at as marketing_consent_updated_at,
        latest_consent.consent_source as marketing_consent_source,
        customer_span.first_seen_at,
        customer_span.last_seen_at,
        customer_span.source_systems
    from customer_span
    left join crm_primary on customer_span.customer_key = crm_primary.customer_key
    left join latest_values on customer_span.customer_key = latest_values.customer_key
    left join first_order on customer_span.customer_key = first_order.customer_key
    left join first_social on customer_span.customer_key = first_social.customer_key
    left join latest_consent on customer_span.customer_key = latest_consent.customer_key
    left join referrers on crm_primary.referrer_contact_id = referrers.contact_id
)

select * from final
