{#-
    Type-2 history of CRM contact attributes: one row per contact version with the period it was
    valid (valid_to null for the current version), so a move or a consent change keeps its dates.
    Built from every delivered version, so the history is complete from the first load on.
-#}
with

versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

final as (
    select
        contact_version_id,
        contact_id,
        city,
        province,
        country,
        email,
        phone,
        has_marketing_consent,
        consent_updated_at,
        updated_at as valid_from,
        lead(updated_at) over (partition by contact_id order by updated_at) as valid_to,
        lead(updated_at) over (partition by contact_id order by updated_at) is null as is_current
    from versions
)

select * from final
