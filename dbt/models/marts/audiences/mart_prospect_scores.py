"""One row per prospect (a known person who never bought): how much they look like the best
customers (mdw_stats.lookalike: a logistic regression over every buyer's traits before their first
order), as a score and a decile, 10 the most alike. Empty when the model cannot be fitted
(mart_lookalike_model_fit says why)."""

import pandas as pd

from mdw_stats.lookalike import InsufficientDataError, score_prospects


def model(dbt, session):
    dbt.config(materialized="table")
    features = dbt.ref("int_lookalike_features").df()
    try:
        scores = score_prospects(features)
    except InsufficientDataError:
        scores = pd.DataFrame({"customer_key": pd.Series(dtype="string"), "score": pd.Series(dtype="float64"),
                               "decile": pd.Series(dtype="int64")})
    as_of = pd.Timestamp(features["as_of_date"].iloc[0]).date() if len(features) else None
    scores.insert(1, "as_of_date", as_of)
    return scores.astype({"customer_key": "string", "score": "float64", "decile": "int64"})
