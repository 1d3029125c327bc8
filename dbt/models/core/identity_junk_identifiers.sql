{#- Audit: one row per identifier kept out of identity resolution because it is too shared. -#}
with

profiled as (
    select * from {{ ref('int_identity_identifiers_profiled') }}
),

final as (
    select
        identifier_key,
        identifier_type,
        identifier_value,
        junk_reason,
        record_count,
        max_links_to_one_type,
        volume_limit,
        first_seen_at,
        last_seen_at
    from profiled
    where is_junk
)

select * from final
