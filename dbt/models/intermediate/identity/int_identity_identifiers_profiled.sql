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
    Junk identifiers are kept out of the graph and listed in identity_junk_identifiers. The
    figures per identifier come from int_identity_identifiers_linked (incremental); the volume
    limit moves with all of them, so this judgement is made for every identifier on every build.
-#}
with

linked as (
    select * from {{ ref('int_identity_identifiers_linked') }}
),

type_volume as (
    select
        identifier_type,
        {{ percentile_cont('record_count', 0.999) }} as p999_record_count
    from linked
    group by identifier_type
),

flagged as (
    select
        linked.identifier_key,
        linked.identifier_type,
        linked.identifier_value,
        linked.record_count,
        linked.max_links_to_one_type,
        type_volume.p999_record_count,
        greatest(
            {{ var('identity_min_records_for_volume') }},
            {{ var('identity_volume_factor') }} * type_volume.p999_record_count
        ) as volume_limit,
        linked.first_seen_at,
        linked.last_seen_at
    from linked
    inner join type_volume on linked.identifier_type = type_volume.identifier_type
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
