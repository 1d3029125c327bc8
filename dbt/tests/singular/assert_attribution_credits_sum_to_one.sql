-- Credits of each attribution model sum to 1 for every converted journey with touches.
select
    journey_id,
    attribution_model,
    sum(credit_share) as credit_total
from {{ ref('fct_attribution_credits') }}
group by journey_id, attribution_model
having abs(sum(credit_share) - 1) > 0.000001
