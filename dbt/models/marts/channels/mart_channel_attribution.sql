{#-
    One row per reporting channel and attribution model: conversions, contribution and revenue
    credited to the channel's touches (fct_attribution_credits), campaign spend of the channel up
    to as_of (CNY), and return on spend = attributed contribution / spend (null without spend).
    Channels with spend and no credited touch have a row for every model, with zero credit. Per
    model, attributed conversions over all channels equal the converted journeys with touches.
-#}
with

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

spend_daily as (
    select * from {{ ref('int_campaign_spend_daily') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

attributed as (
    select
        reporting_channel,
        attribution_model,
        sum(credit_share) as attributed_conversions,
        sum(attributed_contribution_cny) as attributed_contribution_cny,
        sum(attributed_revenue_cny) as attributed_revenue_cny
    from credits
    group by reporting_channel, attribution_model
),

spend as (
    select
        spend_daily.reporting_channel,
        sum(spend_daily.spend_cny) as spend_cny
    from spend_daily
    cross join as_of
    where spend_daily.spend_date <= as_of.as_of_date
    group by spend_daily.reporting_channel
),

attribution_models as (
    select distinct attribution_model from credits
),

channels as (
    select reporting_channel from attributed
    union
    select reporting_channel from spend
),

final as (
    select
        channels.reporting_channel as channel,
        attribution_models.attribution_model,
        coalesce(attributed.attributed_conversions, 0) as attributed_conversions,
        coalesce(attributed.attributed_contribution_cny, 0) as attributed_contribution_cny,
        coalesce(attributed.attributed_revenue_cny, 0) as attributed_revenue_cny,
        coalesce(spend.spend_cny, 0) as spend_cny,
        cast(coalesce(attributed.attributed_contribution_cny, 0) as double) / nullif(spend.spend_cny, 0)
            as return_on_spend
    from channels
    cross join attribution_models
    left join attributed
        on
            channels.reporting_channel = attributed.reporting_channel
            and attribution_models.attribution_model = attributed.attribution_model
    left join spend on channels.reporting_channel = spend.reporting_channel
)

select * from final
