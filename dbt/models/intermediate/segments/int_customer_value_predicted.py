"""One row per customer with a standing order: potential value over the next
var value_model_horizon_days days from the full fit in mart_value_model_fit. Empty predictions
(nulls) when the model could not be fitted."""

import pandas as pd

from mdw_stats.value_model import ValueModelFit, model_input, score_customers


def model(dbt, session):
    dbt.config(materialized="table")
    horizon = float(dbt.config.get("horizon_days"))
    summary = dbt.ref("int_customer_orders_summarised").df()
    fits = dbt.ref("mart_value_model_fit").df()
    full = fits[fits["fit"] == "full"].iloc[0]
    # typed as text even when there is no customer yet (an empty frame would come out as integers)
    result = pd.DataFrame({"customer_key": summary["customer_key"].astype("string"), "horizon_days": int(horizon)})
    if full["status"] != "fitted":
        for column in ("probability_alive", "expected_purchases", "expected_order_value_cny", "expected_revenue_cny"):
            result[column] = float("nan")
        return result
    fit = ValueModelFit.from_row(full)
    scores = score_customers(model_input(summary), fit, horizon)
    result["probability_alive"] = scores["probability_alive"].round(4)
    result["expected_purchases"] = scores["expected_purchases"].round(3)
    result["expected_order_value_cny"] = scores["expected_order_value"].round(2)
    result["expected_revenue_cny"] = scores["expected_revenue"].round(2)
    return result
