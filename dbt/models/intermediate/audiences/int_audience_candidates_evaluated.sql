{#-
    One row per declared audience, channel and customer whose profile meets the audience's rule
    (audiences.yml, this model's meta), with the address the channel would use and the outcome:
    `selected`, or the first exclusion that applies, in this order:
      suppressed                   the customer, or their only usable address, is on the suppression_list
      junk_address                 the customer's only addresses for the channel are junk
      hard_bounced, unsubscribed   the state of their address for the channel
      no_consent                   no address holds current consent for the channel
      frequency_capped             contacted frequency_cap times on the channel within the window
      in_higher_priority_audience  selected for a higher-priority audience on this channel
    A customer's addresses are those of their own source records (so junk ones are seen too);
    consent is that of the address and channel itself (core.contact_point_consent). Of several
    usable addresses the email comes first (ad platforms match on either), then the most recently
    decided. Selected members fall into the control group by a deterministic draw per audience and
    customer (macro uniform_draw) below the audience's control_share.
-#}
{#- var audiences replaces the declared list (dbt unit tests; trying an audience with --vars) -#}
{%- set audiences = var('audiences', none) or config.get('meta', {}).get('audiences', []) -%}
with

profile as (
    select * from {{ ref('mart_customer_profile') }}
),

brand_loyalty as (
    select * from {{ ref('mart_customer_brand_loyalty') }}
),

prospect_scores as (
    select * from {{ source('fitted_marts', 'mart_prospect_scores') }}
),

definitions as (
    select * from {{ ref('mart_audience_definitions') }}
),

channel_points as (
    select * from {{ ref('channel_contact_points') }}
),

consent as (
    select * from {{ ref('contact_point_consent') }}
),

suppression as (
    select * from {{ ref('suppression_list') }}
),

history as (
    select * from {{ ref('mart_customer_response_history') }}
),

source_map as (
    select * from {{ ref('customer_source_map') }}
),

junk as (
    select * from {{ ref('identity_junk_identifiers') }}
),

heavy_national_brand_buyers as (
    select distinct customer_key
    from brand_loyalty
    where loyalty_class = 'national_loyal' and usage_tier = 'high'
),

traits as (
    select
        profile.*,
        heavy_national_brand_buyers.customer_key is not null as heavy_national_brand_buyer,
        prospect_scores.decile as prospect_score_decile
    from profile
    left join heavy_national_brand_buyers on profile.customer_key = heavy_national_brand_buyers.customer_key
    left join prospect_scores on profile.customer_key = prospect_scores.customer_key
),

matched as (
    {%- for audience in audiences %}
    select
        {{ quoted_literal(audience['name']) }} as audience_name,
        customer_key
    -- named: Spark reads `from traits where (a_flag)` as the table aliased `where` with a column list
    from traits as trait
    where ({{ audience['rule'] }})
        {%- if not loop.last %}
    union all
        {%- endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as audience_name,
        cast(null as {{ dbt.type_string() }}) as customer_key
    where 1 = 0
    {%- endfor %}
),

candidates as (
    select
        matched.audience_name,
        definitions.channel,
        matched.customer_key,
        definitions.priority,
        definitions.control_share,
        definitions.frequency_cap,
        definitions.selected_because,
        definitions.export_as
    from matched
    inner join definitions on matched.audience_name = definitions.audience_name
),

-- every contact point on a candidate's own records, junk ones included (the records are read
-- from the relation in each branch: a CTE of them referenced three times would be copied whole)
customer_points as (
    select distinct
        source_map.customer_key,
        points.contact_point_type,
        {{ dbt.concat(["points.contact_point_type", "':'", "points.contact_point"]) }} as contact_point_key,
        points.contact_point
    from source_map
    inner join (
        select record_key, 'email' as contact_point_type, email as contact_point
        from {{ ref('int_identity_records_normalised') }} where email is not null
        union all
        select record_key, 'phone' as contact_point_type, phone as contact_point
        from {{ ref('int_identity_records_normalised') }} where phone is not null
        union all
        select record_key, 'social_account' as contact_point_type, social_account as contact_point
        from {{ ref('int_identity_records_normalised') }} where social_account is not null
    ) as points on source_map.record_key = points.record_key
    where source_map.customer_key in (select candidates.customer_key from candidates)
),

addresses as (
    select
        candidates.audience_name,
        candidates.channel,
        candidates.customer_key,
        customer_points.contact_point_key,
        customer_points.contact_point_type,
        customer_points.contact_point,
        junk.identifier_key is not null as is_junk,
        coalesce(consent.is_usable and consent.customer_key = candidates.customer_key, false) as is_usable,
        consent.consent_state,
        consent.decided_at,
        suppressed_points.contact_point_key is not null as is_suppressed
    from candidates
    inner join customer_points on candidates.customer_key = customer_points.customer_key
    inner join channel_points
        on
            candidates.channel = channel_points.channel
            and customer_points.contact_point_type = channel_points.contact_point_type
            and (
                channel_points.social_platform is null
                or {{ dbt.concat(["channel_points.social_platform", "':'"]) }}
                = substr(customer_points.contact_point, 1, length(channel_points.social_platform) + 1)
            )
    left join junk on customer_points.contact_point_key = junk.identifier_key
    left join consent
        on customer_points.contact_point_key = consent.contact_point_key and candidates.channel = consent.channel
    left join (select distinct contact_point_key from suppression where contact_point_key is not null) as suppressed_points
        on customer_points.contact_point_key = suppressed_points.contact_point_key
),

best_addresses as (
    {{ first_record(
        'select * from addresses where is_usable and not is_suppressed',
        'audience_name, channel, customer_key',
        "case contact_point_type when 'email' then 1 when 'phone' then 2 else 3 end asc, "
        ~ "decided_at desc nulls last, contact_point_key asc"
    ) }}
),

address_states as (
    select
        audience_name,
        channel,
        customer_key,
        max(case when is_usable and is_suppressed then 1 else 0 end) as has_suppressed_usable,
        max(case when is_junk then 1 else 0 end) as has_junk,
        max(case when not is_junk then 1 else 0 end) as has_valid,
        max(case when consent_state = 'hard_bounce' then 1 else 0 end) as has_bounced,
        max(case when consent_state = 'unsubscribe' then 1 else 0 end) as has_unsubscribed
    from addresses
    group by audience_name, channel, customer_key
),

judged as (
    select
        candidates.audience_name,
        candidates.channel,
        candidates.customer_key,
        candidates.priority,
        candidates.control_share,
        candidates.selected_because,
        candidates.export_as,
        best_addresses.contact_point_key,
        best_addresses.contact_point_type,
        best_addresses.contact_point,
        case
            when suppressed_customers.customer_key is not null then 'suppressed'
            when best_addresses.contact_point_key is null and address_states.has_suppressed_usable = 1
                then 'suppressed'
            when best_addresses.contact_point_key is null and address_states.has_junk = 1
                and coalesce(address_states.has_valid, 0) = 0
                then 'junk_address'
            when best_addresses.contact_point_key is null and address_states.has_bounced = 1 then 'hard_bounced'
            when best_addresses.contact_point_key is null and address_states.has_unsubscribed = 1 then 'unsubscribed'
            when best_addresses.contact_point_key is null then 'no_consent'
            when coalesce(history.contacts_in_frequency_window, 0) >= candidates.frequency_cap then 'frequency_capped'
        end as exclusion_reason
    from candidates
    left join best_addresses
        on
            candidates.audience_name = best_addresses.audience_name
            and candidates.channel = best_addresses.channel
            and candidates.customer_key = best_addresses.customer_key
    left join address_states
        on
            candidates.audience_name = address_states.audience_name
            and candidates.channel = address_states.channel
            and candidates.customer_key = address_states.customer_key
    left join (select distinct customer_key from suppression where customer_key is not null) as suppressed_customers
        on candidates.customer_key = suppressed_customers.customer_key
    left join history on candidates.customer_key = history.customer_key and candidates.channel = history.channel
),

ranked as (
    select
        judged.*,
        case
            when exclusion_reason is null
                then row_number() over (
                    partition by customer_key, channel, exclusion_reason
                    order by priority asc, audience_name asc
                )
        end as priority_rank
    from judged
),

final as (
    select
        audience_name,
        channel,
        customer_key,
        priority,
        contact_point_key,
        contact_point_type,
        contact_point,
        export_as,
        selected_because,
        coalesce(
            exclusion_reason, case when priority_rank > 1 then 'in_higher_priority_audience' end, 'selected'
        ) as outcome,
        coalesce(exclusion_reason is null and priority_rank = 1, false)
        and {{ uniform_draw(dbt.concat(["audience_name", "'|'", "customer_key"])) }} < control_share
            as is_control_group
    from ranked
)

select * from final
