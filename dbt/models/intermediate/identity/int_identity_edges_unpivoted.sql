{#-
    One row per (source record, identifier) pair: the edges of the identity graph. Incremental by
    record key, like the records it unpivots; the identifier keys of the edges a build deletes go
    to int_identity_edges_unpivoted__retired for int_identity_identifiers_linked (the identifiers
    that lost a record).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook=[
        "{{ create_retired_log(this) }}",
        "{{ log_rows('identifier_key', changed_rows(ref('int_identity_records_normalised'), 'record_key')) }}",
        "{{ delete_changed_rows(ref('int_identity_records_normalised'), 'record_key') }}",
    ]
) }}

with

records as (
    select * from {{ ref('int_identity_records_normalised') }}
    {{ where_key_not_built('record_key', 'record_key') }}
),

unpivoted as (
    select
        record_key,
        occurred_at,
        'crm_contact_id' as identifier_type,
        crm_contact_id as identifier_value
    from records
    where crm_contact_id is not null
    union all
    select
        record_key,
        occurred_at,
        'email' as identifier_type,
        email as identifier_value
    from records
    where email is not null
    union all
    select
        record_key,
        occurred_at,
        'phone' as identifier_type,
        phone as identifier_value
    from records
    where phone is not null
    union all
    select
        record_key,
        occurred_at,
        'social_account' as identifier_type,
        social_account as identifier_value
    from records
    where social_account is not null
),

final as (
    select
        record_key,
        {{ dbt.concat(["identifier_type", "':'", "identifier_value"]) }} as identifier_key,
        identifier_type,
        identifier_value,
        min(occurred_at) as occurred_at,
        {{ staged_at() }} as _staged_at
    from unpivoted
    group by record_key, identifier_type, identifier_value
)

select * from final
