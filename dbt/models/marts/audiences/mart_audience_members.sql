{#-
    One row per audience, customer and channel selected in this run (int_audience_candidates_evaluated):
    the address the channel uses (owned channels) or its SHA-256 only (ad platforms), whether the
    member is in the control group (never exported), and why they were selected. A person is in at
    most one audience per channel.
-#}
with

evaluated as (
    select * from {{ ref('int_audience_candidates_evaluated') }}
),

definitions as (
    select * from {{ ref('mart_audience_definitions') }}
),

final as (
    select
        evaluated.audience_name,
        evaluated.customer_key,
        evaluated.channel,
        case when evaluated.export_as = 'address' then evaluated.contact_point end as contact_point,
        case
            when evaluated.export_as = 'sha256' then {{ sha256_hex('evaluated.contact_point') }}
        end as contact_point_sha256,
        evaluated.contact_point_type,
        evaluated.is_control_group,
        evaluated.priority,
        evaluated.selected_because,
        {{ as_of_date() }} as as_of_date,
        definitions.definition_md5
    from evaluated
    inner join definitions
        on evaluated.audience_name = definitions.audience_name and evaluated.channel = definitions.channel
    where evaluated.outcome = 'selected'
)

select * from final
