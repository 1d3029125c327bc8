{#-
    One row per source record and identifier combination, with each identifier normalised (email
    lower-cased and validated, phone in E.164, social account as platform:handle in lower case, CRM
    contact id trimmed). A CRM contact's identifiers are those of all its versions.

    Incremental by record key: a build normalises only the records staged since its last build
    (new, changed, or left with fewer versions) and deletes those no longer staged.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_rows(ref('int_identity_records_unioned'), 'record_key') }}"
) }}

with

unioned as (
    select * from {{ ref('int_identity_records_unioned') }}
    {{ where_key_not_built('record_key', 'record_key') }}
),

normalised as (
    select
        record_key,
        source,
        source_table,
        record_id,
        occurred_at,
        crm_contact_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,
        {{ normalize_social_account('social_platform', 'social_handle') }} as social_account
    from unioned
),

final as (
    select
        record_key,
        source,
        source_table,
        record_id,
        min(occurred_at) as occurred_at,
        crm_contact_id,
        email,
        phone,
        social_account,
        {{ staged_at() }} as _staged_at
    from normalised
    group by record_key, source, source_table, record_id, crm_contact_id, email, phone, social_account
)

select * from final
