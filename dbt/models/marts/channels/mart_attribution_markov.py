"""One row per reporting channel: its removal effect in the first-order Markov chain over all
closed journeys (int_attribution_transitions) and its Markov share (removal effects normalised to
sum to 1), which fct_attribution_credits uses to split each converted journey."""

from mdw_stats.attribution import markov_removal_effects


def model(dbt, session):
    dbt.config(materialized="table")
    return markov_removal_effects(dbt.ref("int_attribution_transitions").df())
