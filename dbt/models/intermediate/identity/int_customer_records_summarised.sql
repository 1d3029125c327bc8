{#-
    One row per customer (every key in customer_source_map), from all their source records:
    when they were first and last seen, how many records they have, the source systems and social
    accounts they appear with, and the latest valid email and phone seen in any source (ties: the
    later record key, then the larger value). Identifiers kept out of identity resolution as too
    shared (identity_junk_identifiers) are never chosen.

    Incremental by customer (macro delete_customers_with_changed_records): the pre-hook deletes
    the customers with a customer_source_map row written since the last build (a record mapped,
    remapped, or holding an identifier that turned junk or usable again), with a record restaged
    since, or with another number of mapped records than the stored record_count (a record lost),
    and the keys no longer mapped; the build appends every customer the table does not hold, from
    all their records.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_customers_with_changed_records() }}"
) }}

with

source_map as (
    select * from {{ ref('customer_source_map') }}
    {{ where_key_not_built('customer_key', 'customer_key') }}
),

records as (
    select * from {{ ref('int_identity_records_normalised') }}
),

junk as (
    select * from {{ ref('identity_junk_identifiers') }}
),

customer_records as (
    select
        source_map.customer_key,
        records.record_key,
        records.source,
        records.occurred_at,
        records.social_account,
        case when junk_email.identifier_key is null then records.email end as email,
        case when junk_phone.identifier_key is null then records.phone end as phone
    from source_map
    inner join records on source_map.record_key = records.record_key
    left join junk as junk_email on {{ dbt.concat(["'email:'", "records.email"]) }} = junk_email.identifier_key
    left join junk as junk_phone on {{ dbt.concat(["'phone:'", "records.phone"]) }} = junk_phone.identifier_key
),

-- lists in alphabetical order, so that two builds give the same strings
source_lists as (
    select
        customer_key,
        {{ ordered_string_agg("source", "','", "source") }} as source_systems
    from (
        select distinct
            customer_key,
            source
        from customer_records
    ) as distinct_sources
    group by customer_key
),

social_lists as (
    select
        customer_key,
        {{ ordered_string_agg("social_account", "','", "social_account") }} as social_accounts
    from (
        select distinct
            customer_key,
            social_account
        from customer_records
        where social_account is not null
    ) as distinct_accounts
    group by customer_key
),

spans as (
    select
        customer_records.customer_key,
        min(customer_records.occurred_at) as first_seen_at,
        max(customer_records.occurred_at) as last_seen_at,
        count(*) as record_count,
        max(source_lists.source_systems) as source_systems,
        max(social_lists.social_accounts) as social_accounts
    from customer_records
    left join source_lists on customer_records.customer_key = source_lists.customer_key
    left join social_lists on customer_records.customer_key = social_lists.customer_key
    group by customer_records.customer_key
),

latest_emails as (
    {{ first_record(
        'select * from customer_records where email is not null',
        'customer_key',
        'occurred_at desc nulls last, record_key desc, email desc'
    ) }}
),

latest_phones as (
    {{ first_record(
        'select * from customer_records where phone is not null',
        'customer_key',
        'occurred_at desc nulls last, record_key desc, phone desc'
    ) }}
),

final as (
    select
        spans.customer_key,
        spans.first_seen_at,
        spans.last_seen_at,
        spans.record_count,
        spans.source_systems,
        spans.social_accounts,
        latest_emails.email as latest_email,
        latest_phones.phone as latest_phone,
        {{ staged_at() }} as _staged_at
    from spans
    left join latest_emails on spans.customer_key = latest_emails.customer_key
    left join latest_phones on spans.customer_key = latest_phones.customer_key
)

select * from final
