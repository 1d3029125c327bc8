"""One row per fit of the customer value model (BG/NBD + Gamma-Gamma, in days).

fit = full: on the whole order history up to as_of; its parameters score every customer
(int_customer_value_predicted). fit = calibration: on the history up to as_of minus
var value_model_holdout_days, for the holdout check (mart_value_model_holdout). When a fit is
not possible (too few repeat buyers, e.g. too short a history) the row says why and holds no
parameters, and the predictions are left empty rather than invented.
"""

import pandas as pd

from mdw_stats.value_model import InsufficientDataError, ValueModelFit, fit_value_model, model_input

PARAMETERS = [name for name in ValueModelFit.__dataclass_fields__]


def _fit_row(fit_name, summary, observed_to):
    row = {"fit": fit_name, "observed_to_date": observed_to, "status": "fitted", "message": None}
    try:
        row.update(fit_value_model(summary).as_dict())
    except InsufficientDataError as error:
        row.update({name: None for name in PARAMETERS})
        row.update({"status": "not_fitted", "message": str(error), "customers": len(summary)})
    return row


def model(dbt, session):
    dbt.config(materialized="table")
    holdout_days = int(dbt.config.get("holdout_days"))
    summary = dbt.ref("int_customer_orders_summarised").df()
    as_of = pd.Timestamp(summary["as_of_date"].iloc[0]).date() if len(summary) else None
    full = model_input(summary)
    calibration = model_input(summary[summary["calibration_frequency"] >= 0], prefix="calibration_")
    rows = [
        _fit_row("full", full, as_of),
        _fit_row("calibration", calibration, as_of - pd.Timedelta(days=holdout_days) if as_of else None),
    ]
    frame = pd.DataFrame(rows)
    frame.insert(1, "as_of_date", as_of)
    frame.insert(3, "holdout_days", holdout_days)
    return frame.astype({"message": "string", "customers": "int64", "repeat_customers": "Int64", "converged": "boolean"})
