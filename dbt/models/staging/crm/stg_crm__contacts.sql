{#- One row per CRM contact: its latest version (by updated_at, then the later load, file and line). -#}
with

versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

latest as (
    {{ latest_record('select * from versions', 'contact_id', 'updated_at desc nulls last') }}
),

final as (
    select
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
        _loaded_at
    from latest
)

select * from final
