"""One row: the look-alike model's check on a time-based holdout (mdw_stats.lookalike).

Fitted on the buyers whose first order came before as_of minus var lookalike_holdout_days, judged
on those who first bought since: AUC and the lift of the best-customer rate in the top decile of
scores. When a fit is not possible (too few best customers) the row says why and holds no figures.
"""

import pandas as pd

from mdw_stats.lookalike import CATEGORICAL, COUNTS, HoldoutCheck, InsufficientDataError, holdout_check

CHECK_FIELDS = list(HoldoutCheck.__dataclass_fields__)


def model(dbt, session):
    dbt.config(materialized="table")
    holdout_days = int(dbt.config.get("holdout_days"))
    features = dbt.ref("int_lookalike_features").df()
    as_of = pd.Timestamp(features["as_of_date"].iloc[0]).date() if len(features) else None
    cutoff = as_of - pd.Timedelta(days=holdout_days) if as_of else None
    row = {"as_of_date": as_of, "holdout_cutoff_date": cutoff, "status": "fitted", "message": None,
           "features": ", ".join([*CATEGORICAL, *COUNTS])}
    buyers = features[~features["is_prospect"].astype(bool)]
    try:
        if cutoff is None:
            raise InsufficientDataError("no customers")
        row.update(holdout_check(buyers, cutoff).as_dict())
    except InsufficientDataError as error:
        row.update({name: None for name in CHECK_FIELDS})
        row.update({"status": "not_fitted", "message": str(error)})
    frame = pd.DataFrame([row])
    return frame.astype({"message": "string", "train_customers": "Int64", "test_customers": "Int64",
                         "test_best_share": "Float64", "auc": "Float64", "top_decile_lift": "Float64"})
