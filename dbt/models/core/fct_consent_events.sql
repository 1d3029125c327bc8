{#-
    The consent ledger: one row per consent event per contact point and channel.
    - A CRM contact version that states a consent (marketing_consent) applies it to every contact
      point on that version (email, phone, social account) for every channel that reaches it
      (seed channel_contact_points), dated consent_updated_at, else the version's updated_at.
    - A campaign unsubscribe withdraws consent of the address the campaign went to (the activity's
      own email or phone, else the CRM contact's current one), for that campaign's channel only.
    - A hard bounce (activity `bounced`; the contract does not tell soft from hard, so every bounce
      counts as hard) suppresses that address for that channel.
    Unsubscribes and bounces count on owned channels (those that send to the address).
-#}
with

contact_versions as (
    select * from {{ ref('stg_crm__contact_versions') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

activities as (
    select * from {{ ref('stg_crm__campaign_activities') }}
),

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

channel_points as (
    select * from {{ ref('channel_contact_points') }}
),

crm_versions as (
    select
        contact_version_id,
        contact_id,
        email,
        phone,
        social_platform,
        social_handle,
        has_marketing_consent,
        _source_file,
        _source_line,
        coalesce(consent_updated_at, updated_at) as occurred_at
    from contact_versions
    where has_marketing_consent is not null
),

-- every contact point on a version: (type, its normalised value, the platform of a social account)
{%- set crm_point_columns = [
    ('email', normalize_email('email'), 'cast(null as ' ~ dbt.type_string() ~ ')'),
    ('phone', normalize_phone('phone'), 'cast(null as ' ~ dbt.type_string() ~ ')'),
    ('social_account', normalize_social_account('social_platform', 'social_handle'), 'social_platform'),
] %}
-- noqa: disable=LT02
-- (sqlfluff cannot place the indentation of a union written by a loop)
crm_points as (
    {%- for point_type, point_value, platform in crm_point_columns %}
    select
        contact_version_id,
        contact_id,
        '{{ point_type }}' as contact_point_type,
        {{ point_value }} as contact_point,
        {{ platform }} as social_platform,
        has_marketing_consent,
        occurred_at,
        _source_file,
        _source_line
    from crm_versions
    {% if not loop.last -%} union all {%- endif %}
    {%- endfor %}
),
-- noqa: enable=LT02

crm_events as (
    select
        crm_points.contact_point_type,
        crm_points.contact_point,
        channel_points.channel,
        case when crm_points.has_marketing_consent then 'crm_opt_in' else 'crm_opt_out' end as event_type,
        crm_points.has_marketing_consent as grants_consent,
        crm_points.occurred_at,
        'crm|contacts' as source_table,
        crm_points.contact_version_id as source_record_id,
        crm_points.contact_id as crm_contact_id,
        crm_points._source_file,
        crm_points._source_line
    from crm_points
    inner join channel_points
        on
            crm_points.contact_point_type = channel_points.contact_point_type
            and coalesce(crm_points.social_platform, '') = coalesce(channel_points.social_platform, '')
    where crm_points.contact_point is not null
),

activity_points as (
    select
        activities.activity_id,
        activities.contact_id,
        activities.activity_type,
        activities.occurred_at,
        channel_points.channel,
        channel_points.contact_point_type,
        case channel_points.contact_point_type
            when 'email' then {{ normalize_email('coalesce(activities.email, contacts.email)') }}
            when 'phone' then {{ normalize_phone('coalesce(activities.phone, contacts.phone)') }}
            when 'social_account' then
                case
                    when contacts.social_platform = channel_points.social_platform
                        then {{ normalize_social_account('contacts.social_platform', 'contacts.social_handle') }}
                end
        end as contact_point,
        activities._source_file,
        activities._source_line
    from activities
    inner join campaigns on activities.campaign_id = campaigns.campaign_id
    inner join channel_points on campaigns.channel = channel_points.channel
    left join contacts on activities.contact_id = contacts.contact_id
    where activities.activity_type in ('unsubscribed', 'bounced') and channel_points.export_as = 'address'
),

activity_events as (
    select
        contact_point_type,
        contact_point,
        channel,
        case when activity_type = 'bounced' then 'hard_bounce' else 'unsubscribe' end as event_type,
        false as grants_consent,
        occurred_at,
        'crm|campaign_activity' as source_table,
        activity_id as source_record_id,
        contact_id as crm_contact_id,
        _source_file,
        _source_line
    from activity_points
    where contact_point is not null
),

events as (
    select * from crm_events
    union all
    select * from activity_events
),

final as (
    select
        {{ dbt.concat([
            "source_table", "'|'", "source_record_id", "'|'", "contact_point_type", "':'", "contact_point",
            "'|'", "channel"
        ]) }} as consent_event_id,
        {{ dbt.concat(["contact_point_type", "':'", "contact_point"]) }} as contact_point_key,
        contact_point_type,
        contact_point,
        channel,
        event_type,
        grants_consent,
        occurred_at,
        source_table,
        source_record_id,
        crm_contact_id,
        _source_file,
        _source_line
    from events
)

select * from final
