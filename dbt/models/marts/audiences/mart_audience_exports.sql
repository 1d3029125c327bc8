{#-
    The rows that leave for activation, one per exported member: the treatment members of every
    audience on a channel an export reaches (the control group never leaves), with only what the
    channel needs: the address for owned channels, the SHA-256 for ad platforms. customer_key stays
    in the warehouse (the export files leave it out) so that campaign results can be matched.
-#}
with

members as (
    select * from {{ ref('mart_audience_members') }}
),

final as (
    select
        audience_name,
        channel,
        customer_key,
        contact_point_type,
        contact_point,
        contact_point_sha256,
        as_of_date,
        definition_md5
    from members
    where not is_control_group and (contact_point is not null or contact_point_sha256 is not null)
)

select * from final
