{#-
    Warns about campaign activity types and social event types (on campaign posts) missing from the
    seed attribution_touch_types: until listed they are left out of attribution journeys. List a
    new type with weight 0 to leave it out on purpose.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'attribution_touch_types'}}}, severity='warn', store_failures=true) }}
with

touchpoints as (
    select * from {{ ref('fct_touchpoints') }}
),

touch_types as (
    select * from {{ ref('attribution_touch_types') }}
),

delivered as (
    select distinct
        source as touch_source,
        touchpoint_type as touch_type
    from touchpoints
    where source = 'crm' or (source = 'social' and campaign_id is not null)
)

select
    delivered.touch_source,
    delivered.touch_type
from delivered
left join touch_types
    on delivered.touch_source = touch_types.touch_source and delivered.touch_type = touch_types.touch_type
where touch_types.touch_type is null
