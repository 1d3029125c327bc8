{#-
    One row per customer with a CRM contact: the contact whose values survive into dim_customers,
    the person's most recently updated CRM contact (ties: the higher contact id), in its latest
    version. Email and phone are normalised as identity resolution does (lower-cased and
    validated; E.164), the only place these CRM values are normalised; one the identity layer
    flagged as junk (identity_junk_identifiers) is left out, so dim_customers falls back to the
    latest valid value from any source.
-#}
with

source_map as (
    select * from {{ ref('customer_source_map') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

junk as (
    select * from {{ ref('identity_junk_identifiers') }}
),

customer_contacts as (
    select
        source_map.customer_key,
        contacts.contact_id,
        contacts.first_name,
        contacts.last_name,
        contacts.email,
        contacts.phone,
        contacts.gender,
        contacts.birth_date,
        contacts.city,
        contacts.province,
        contacts.country,
        contacts.lead_source,
        contacts.referrer_contact_id,
        contacts.updated_at
    from source_map
    inner join contacts
        on
            source_map.source = 'crm' and source_map.source_table = 'contacts'
            and source_map.record_id = contacts.contact_id
),

surviving_contacts as (
    {{ first_record(
        'select * from customer_contacts',
        'customer_key',
        'updated_at desc nulls last, contact_id desc'
    ) }}
),

normalised_contacts as (
    select
        customer_key,
        contact_id,
        first_name,
        last_name,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,
        gender,
        birth_date,
        city,
        province,
        country,
        lead_source,
        referrer_contact_id,
        updated_at
    from surviving_contacts
),

final as (
    select
        normalised_contacts.customer_key,
        normalised_contacts.contact_id,
        normalised_contacts.first_name,
        normalised_contacts.last_name,
        normalised_contacts.gender,
        normalised_contacts.birth_date,
        normalised_contacts.city,
        normalised_contacts.province,
        normalised_contacts.country,
        normalised_contacts.lead_source,
        normalised_contacts.referrer_contact_id,
        normalised_contacts.updated_at,
        case when junk_email.identifier_key is null then normalised_contacts.email end as email,
        case when junk_phone.identifier_key is null then normalised_contacts.phone end as phone
    from normalised_contacts
    left join junk as junk_email
        on {{ dbt.concat(["'email:'", "normalised_contacts.email"]) }} = junk_email.identifier_key
    left join junk as junk_phone
        on {{ dbt.concat(["'phone:'", "normalised_contacts.phone"]) }} = junk_phone.identifier_key
)

select * from final
