{#-
    One row per identifier with what the data says about it, and whether it is too shared to
    identify one person ("junk": placeholder emails and phones, shop-counter phones).

    Rule (thresholds are vars, documented in docs/identity.md):
      1. linked to more than var('identity_max_links_per_type') distinct identifiers of one other
         type through the records it appears on (test@test.com beside hundreds of phones),
         not counting links to identifiers that break this rule themselves, or
      2. on more records than var('identity_volume_factor') times the 99.9th percentile of records
         per identifier of its type, and at least var('identity_min_records_for_volume') records,
         while not pointing at one person (linked to two or more identifiers of some other type):
         a shop-counter phone typed in for thousands of walk-in orders. A very active person
         (an influencer's linked account) has many records but one email, one phone.
    Junk identifiers are kept out of the graph and listed in identity_junk_identifiers.
-#}
with

edges as (
    select * from {{ ref('int_identity_edges_unpivoted') }}
),

record_counts as (
    select
        identifier_key,
        identifier_type,
        identifier_value,
        count(distinct record_key) as record_count,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from edges
    group by identifier_key, identifier_type, identifier_value
),

pair_links as (
    select distinct
        edges.identifier_key,
        other.identifier_type as other_type,
        other.identifier_key as other_key
    from edges
    inner join edges as other
        on edges.record_key = other.record_key and edges.identifier_type <> other.identifier_type
),

first_pass_shared as (
    select distinct identifier_key
    from (
        select identifier_key
        from pair_links
        group by identifier_key, other_type
        having count(*) > {{ var('identity_max_links_per_type') }}
    ) as over_linked
),

links as (
    -- links to identifiers that are themselves shared do not count: a real email that was typed
    -- beside two shop-counter phones is still one person's email
    select
        pair_links.identifier_key,
        pair_links.other_type,
        count(*) as linked_identifiers
    from pair_links
    left join first_pass_shared as shared
        on pair_links.other_key = shared.identifier_key
    where shared.identifier_key is null
    group by pair_links.identifier_key, pair_links.other_type
),

max_links as (
    select
        identifier_key,
        max(linked_identifiers) as max_links_to_one_type
    from links
    group by identifier_key
),

type_volume as (
    select
        identifier_type,
        {{ percentile_cont('record_count', 0.999) }} as p999_record_count
    from record_counts
    group by identifier_type
),

flagged as (
    select
        record_counts.identifier_key,
        record_counts.identifier_type,
        record_counts.identifier_value,
        record_counts.record_count,
        coalesce(max_links.max_links_to_one_type, 0) as max_links_to_one_type,
        type_volume.p999_record_count,
        greatest(
            {{ var('identity_min_records_for_volume') }},
            {{ var('identity_volume_factor') }} * type_volume.p999_record_count
        ) as volume_limit,
        record_counts.first_seen_at,
        record_counts.last_seen_at
    from record_counts
    left join max_links on record_counts.identifier_key = max_links.identifier_key
    inner join type_volume on record_counts.identifier_type = type_volume.identifier_type
),

final as (
    select
        identifier_key,
        identifier_type,
        identifier_value,
        record_count,
        max_links_to_one_type,
        volume_limit,
        first_seen_at,
        last_seen_at,
        case
            when max_links_to_one_type > {{ var('identity_max_links_per_type') }}
                then
                    'linked to ' || cast(max_links_to_one_type as {{ dbt.type_string() }})
                    || ' identifiers of one other type'
            when record_count > volume_limit and max_links_to_one_type >= 2
                then
                    'on ' || cast(record_count as {{ dbt.type_string() }}) || ' records, more than the limit of '
                    || cast(cast(volume_limit as bigint) as {{ dbt.type_string() }})
        end as junk_reason,
        (
            max_links_to_one_type > {{ var('identity_max_links_per_type') }}
            or (record_count > volume_limit and max_links_to_one_type >= 2)
        ) as is_junk
    from flagged
)

select * from final
