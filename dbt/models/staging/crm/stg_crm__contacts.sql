{#- One row per CRM contact: its latest version (by updated_at, then the later load, file and line). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_rows(ref('stg_crm__contact_versions'), 'contact_id') }}"
) }}

with

versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
    {{ where_key_not_built('contact_id', 'contact_id') }}
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
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
