"""Holdout check of the value model: the calibration fit (history up to as_of minus
var value_model_holdout_days) predicts each customer's repeat purchases in the holdout days that
follow; one row per calibration frequency group (0 .. 6, 7+) and one for all, with predicted
against actual purchase occasions. Empty when the calibration fit was not possible."""

import numpy as np
import pandas as pd

from mdw_stats.value_model import ValueModelFit, model_input, score_customers


def _group(frequency):
    return np.where(frequency >= 7, "7+", frequency.astype(int).astype(str))


def model(dbt, session):
    dbt.config(materialized="table")
    summary = dbt.ref("int_customer_orders_summarised").df()
    fits = dbt.ref("mart_value_model_fit").df()
    calibration_fit = fits[fits["fit"] == "calibration"].iloc[0]
    columns = {
        "frequency_group": "string", "customers": "int64", "predicted_purchases": "float64",
        "actual_purchases": "int64", "error_share": "float64",
    }
    if calibration_fit["status"] != "fitted":
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    fit = ValueModelFit.from_row(calibration_fit)
    known = summary[summary["calibration_frequency"] >= 0]
    calibration = model_input(known, prefix="calibration_")
    scores = score_customers(calibration, fit, float(calibration_fit["holdout_days"]))
    frame = pd.DataFrame({
        "frequency_group": _group(calibration["frequency"].to_numpy()),
        "customers": 1,
        "predicted_purchases": scores["expected_purchases"].to_numpy(),
        "actual_purchases": known["holdout_occasions"].to_numpy(),
    })
    grouped = frame.groupby("frequency_group", as_index=False).sum()
    total = frame.drop(columns="frequency_group").sum().to_frame().T.assign(frequency_group="all")
    result = pd.concat([grouped, total], ignore_index=True)
    result["predicted_purchases"] = result["predicted_purchases"].astype(float).round(1)
    result["actual_purchases"] = result["actual_purchases"].astype(int)
    result["customers"] = result["customers"].astype(int)
    result["error_share"] = np.where(
        result["actual_purchases"] > 0,
        ((result["predicted_purchases"] - result["actual_purchases"]) / result["actual_purchases"]).round(4),
        np.nan,
    )
    order = {str(i): i for i in range(7)} | {"7+": 7, "all": 8}
    return result.sort_values("frequency_group", key=lambda s: s.map(order)).loc[:, list(columns)]
