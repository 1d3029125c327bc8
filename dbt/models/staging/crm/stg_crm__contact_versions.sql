{#-
    Every delivered version of every CRM contact (the history that stg_crm__contacts reduces to
    the latest): identity resolution uses all identifiers a contact ever had, and the type-2
    contact history is built from it. A version delivered twice is kept once.
-#}
with

source as (
    select * from {{ source('crm', 'crm_contacts') }}
),

typed as (
    select
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('email') }} as email,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('city') }} as city,
        {{ clean_text('province') }} as province,
        {{ clean_text('country') }} as country,
        lower({{ clean_text('social_platform') }}) as social_platform,
        {{ clean_text('social_handle') }} as social_handle,
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
        city,
        province,
        country,
        social_platform,
        social_handle,
        has_marketing_consent,
        consent_updated_at,
        created_at,
        updated_at,
        _source_file,
        _source_line,
        _loaded_at
    from deduplicated
)

select * from final
