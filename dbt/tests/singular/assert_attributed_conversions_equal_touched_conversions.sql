{#-
    Per attribution model, conversions attributed over all channels equal the converted journeys
    with at least one touch, and every model covers them all.
-#}
{{ config(meta={'dagster': {'ref': {'name': 'mart_channel_attribution'}}}) }}
with

attribution as (
    select * from {{ ref('mart_channel_attribution') }}
),

journeys as (
    select * from {{ ref('mart_attribution_journeys') }}
),

touched_conversions as (
    select count(*) as conversions
    from journeys
    where is_converted and touch_count > 0
),

per_model as (
    select
        attribution_model,
        sum(attributed_conversions) as attributed_conversions
    from attribution
    group by attribution_model
)

select
    per_model.attribution_model,
    per_model.attributed_conversions,
    touched_conversions.conversions
from per_model
cross join touched_conversions
where abs(per_model.attributed_conversions - touched_conversions.conversions) > 0.0001
