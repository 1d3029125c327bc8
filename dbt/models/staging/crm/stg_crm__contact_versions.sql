{#-
    Every delivered version of every CRM contact, typed and cleaned (stg_crm__contacts keeps the
    latest): identity resolution uses all identifiers a contact ever had, and the type-2 contact
    history is built from it. A version delivered twice is kept once.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('crm', 'crm_contacts'), 'contact_id') }}"
) }}

with

source as (
    select * from {{ source('crm', 'crm_contacts') }}
    {{ where_key_not_built('contact_id') }}
),

typed as (
    select
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        case
            when lower(trim(gender)) in ('f', 'female') then 'female'
            when lower(trim(gender)) in ('m', 'male') then 'male'
        end as gender,
        cast({{ clean_text('birth_date') }} as date) as birth_date,
        {{ clean_text('city') }} as city,
        {{ clean_text('province') }} as province,
        {{ clean_text('country') }} as country,
        lower({{ clean_text('social_platform') }}) as social_platform,
        {{ clean_text('social_handle') }} as social_handle,
        lower({{ clean_text('lead_source') }}) as lead_source,
        {{ clean_text('referrer_contact_id') }} as referrer_contact_id,
        {{ parse_boolean('marketing_consent') }} as has_marketing_consent,
        {{ to_utc_timestamp('consent_updated_at') }} as consent_updated_at,
        {{ to_utc_timestamp('created_at') }} as created_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

deduplicated as (
    {{ latest_record('select * from typed', 'contact_id, updated_at') }}
),

final as (
    select
        {{ dbt.concat(["contact_id", "'@'", "cast(updated_at as " ~ dbt.type_string() ~ ")"]) }} as contact_version_id,
        contact_id,
        email,
        phone,
        first_name,
        last_name,
        gender,
        birth_date,
        city,
        province,
        country,
        social_platform,
        social_handle,
        lead_source,
        referrer_contact_id,
        has_marketing_consent,
        consent_updated_at,
        created_at,
        updated_at,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from deduplicated
)

select * from final
