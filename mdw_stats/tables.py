"""The warehouse tables fitted in Python, each a function of the tables it reads (pandas in,
pandas out), whatever engine holds them: dagster_project/assets/fitted.py reads the inputs through
the engine (DuckDB or Spark), calls these and writes the result back.

- value_model_fits: one row per fit of the value model (BG/NBD + Gamma-Gamma, in days). fit =
  full: on the whole order history up to as_of; its parameters score every customer
  (value_predictions). fit = calibration: on the history up to as_of minus the holdout days, for
  the holdout check (value_model_holdout). When a fit is not possible (too few repeat buyers,
  e.g. too short a history) the row says why and holds no parameters, and the predictions are
  left empty rather than invented.
- value_predictions: one row per customer with a standing order, potential value over the
  horizon from the full fit.
- value_model_holdout: the calibration fit's predicted repeat purchases in the holdout days
  against those that happened, per calibration frequency group (0 .. 6, 7+) and for all.
- markov_attribution: mdw_stats.attribution.markov_removal_effects.
- lookalike_fit: the look-alike model's check on a time-based holdout (mdw_stats.lookalike).
- prospect_scores: every prospect's look-alike score and decile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdw_stats import lookalike
from mdw_stats.attribution import markov_removal_effects
from mdw_stats.value_model import InsufficientDataError, ValueModelFit, fit_value_model, model_input, score_customers

VALUE_PARAMETERS = list(ValueModelFit.__dataclass_fields__)
LOOKALIKE_CHECK_FIELDS = list(lookalike.HoldoutCheck.__dataclass_fields__)
HOLDOUT_COLUMNS = {
    "frequency_group": "string", "customers": "int64", "predicted_purchases": "float64",
    "actual_purchases": "int64", "error_share": "float64",
}


def _as_of(frame: pd.DataFrame):
    """The as_of date every row of an input carries (None when it has no rows)."""
    return pd.Timestamp(frame["as_of_date"].iloc[0]).date() if len(frame) else None


def _fit_row(fit_name: str, summary: pd.DataFrame, observed_to) -> dict:
    row = {"fit": fit_name, "observed_to_date": observed_to, "status": "fitted", "message": None}
    try:
        row.update(fit_value_model(summary).as_dict())
    except InsufficientDataError as error:
        row.update({name: None for name in VALUE_PARAMETERS})
        row.update({"status": "not_fitted", "message": str(error), "customers": len(summary)})
    return row


def value_model_fits(summary: pd.DataFrame, holdout_days: int) -> pd.DataFrame:
    """`summary`: int_customer_orders_summarised."""
    as_of = _as_of(summary)
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


def _fit(fits: pd.DataFrame, name: str) -> pd.Series:
    return fits[fits["fit"] == name].iloc[0]


def value_predictions(summary: pd.DataFrame, fits: pd.DataFrame, horizon_days: int) -> pd.DataFrame:
    """`summary`: int_customer_orders_summarised; `fits`: value_model_fits' table. Empty
    predictions (nulls) when the model could not be fitted."""
    full = _fit(fits, "full")
    # typed as text even when there is no customer yet (an empty frame would come out as integers)
    result = pd.DataFrame({"customer_key": summary["customer_key"].astype("string"), "horizon_days": int(horizon_days)})
    if full["status"] != "fitted":
        for column in ("probability_alive", "expected_purchases", "expected_order_value_cny", "expected_revenue_cny"):
            result[column] = float("nan")
        return result
    scores = score_customers(model_input(summary), ValueModelFit.from_row(full), float(horizon_days))
    result["probability_alive"] = scores["probability_alive"].round(4)
    result["expected_purchases"] = scores["expected_purchases"].round(3)
    result["expected_order_value_cny"] = scores["expected_order_value"].round(2)
    result["expected_revenue_cny"] = scores["expected_revenue"].round(2)
    return result


def _frequency_group(frequency: np.ndarray) -> np.ndarray:
    return np.where(frequency >= 7, "7+", frequency.astype(int).astype(str))


def value_model_holdout(summary: pd.DataFrame, fits: pd.DataFrame) -> pd.DataFrame:
    """`summary`: int_customer_orders_summarised; `fits`: value_model_fits' table. Empty when the
    calibration fit was not possible."""
    calibration_fit = _fit(fits, "calibration")
    if calibration_fit["status"] != "fitted":
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in HOLDOUT_COLUMNS.items()})
    known = summary[summary["calibration_frequency"] >= 0]
    calibration = model_input(known, prefix="calibration_")
    scores = score_customers(calibration, ValueModelFit.from_row(calibration_fit),
                             float(calibration_fit["holdout_days"]))
    frame = pd.DataFrame({
        "frequency_group": _frequency_group(calibration["frequency"].to_numpy()),
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
    result = result.sort_values("frequency_group", key=lambda s: s.map(order)).loc[:, list(HOLDOUT_COLUMNS)]
    return result.astype(HOLDOUT_COLUMNS).reset_index(drop=True)


def markov_attribution(transitions: pd.DataFrame) -> pd.DataFrame:
    """`transitions`: int_attribution_transitions."""
    return markov_removal_effects(transitions)


def lookalike_fit(features: pd.DataFrame, holdout_days: int) -> pd.DataFrame:
    """`features`: int_lookalike_features. Fitted on the buyers whose first order came before
    as_of minus `holdout_days`, judged on those who first bought since: AUC and the lift of the
    best-customer rate in the top decile of scores. When a fit is not possible (too few best
    customers) the row says why and holds no figures."""
    as_of = _as_of(features)
    cutoff = as_of - pd.Timedelta(days=holdout_days) if as_of else None
    row = {"as_of_date": as_of, "holdout_cutoff_date": cutoff, "status": "fitted", "message": None,
           "features": ", ".join([*lookalike.CATEGORICAL, *lookalike.COUNTS])}
    buyers = features[~features["is_prospect"].astype(bool)]
    try:
        if cutoff is None:
            raise lookalike.InsufficientDataError("no customers")
        row.update(lookalike.holdout_check(buyers, cutoff).as_dict())
    except lookalike.InsufficientDataError as error:
        row.update({name: None for name in LOOKALIKE_CHECK_FIELDS})
        row.update({"status": "not_fitted", "message": str(error)})
    frame = pd.DataFrame([row])
    return frame.astype({"message": "string", "train_customers": "Int64", "test_customers": "Int64",
                         "test_best_share": "Float64", "auc": "Float64", "top_decile_lift": "Float64"})


def prospect_scores(features: pd.DataFrame) -> pd.DataFrame:
    """`features`: int_lookalike_features. Empty when the model cannot be fitted (lookalike_fit
    says why)."""
    try:
        scores = lookalike.score_prospects(features)
    except lookalike.InsufficientDataError:
        scores = pd.DataFrame({"customer_key": pd.Series(dtype="string"), "score": pd.Series(dtype="float64"),
                               "decile": pd.Series(dtype="int64")})
    scores.insert(1, "as_of_date", _as_of(features))
    return scores.astype({"customer_key": "string", "score": "float64", "decile": "int64"})
