"""The value model recovers known parameters from data simulated with them, and predicts a holdout."""

import numpy as np
import pandas as pd
import pytest

from mdw_stats.value_model import _bgnbd_log_likelihood, fit_value_model, score_customers, simulate_customers

TRUE = {"r": 0.5, "alpha": 20.0, "a": 1.5, "b": 4.0, "p": 3.0, "q": 5.0, "v": 200.0}


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    # 30k customers observed for a year in days, with half a year of holdout
    return simulate_customers(TRUE, customers=30_000, period=365.0, holdout=182.0, seed=7)


def test_fit_recovers_simulated_parameters(simulated):
    fit = fit_value_model(simulated)
    assert fit.converged
    # stated tolerance: 25% for the BG/NBD dropout parameters (a, b are weakly identified with
    # a year of history), 15% for the purchase-rate and spend parameters
    for name, tolerance in {"r": 0.15, "alpha": 0.15, "a": 0.25, "b": 0.25, "p": 0.15, "q": 0.15, "v": 0.15}.items():
        estimate = getattr(fit, name)
        assert estimate == pytest.approx(TRUE[name], rel=tolerance), name
    # the fitted optimum is at least as likely as the true parameters
    at_truth = _bgnbd_log_likelihood(
        np.array([TRUE[k] for k in ["r", "alpha", "a", "b"]]),
        simulated["frequency"].to_numpy(), simulated["recency"].to_numpy(), simulated["T"].to_numpy(),
    ).sum()
    assert fit.bgnbd_log_likelihood >= at_truth


def test_scores_predict_the_holdout(simulated):
    fit = fit_value_model(simulated)
    scores = score_customers(simulated, fit, horizon=182.0)
    assert scores["expected_purchases"].sum() == pytest.approx(simulated["holdout_purchases"].sum(), rel=0.05)
    # customers who bought often and recently are predicted to buy more than one-off buyers
    frequent = simulated["frequency"] >= 5
    assert scores.loc[frequent, "expected_purchases"].mean() > 3 * scores.loc[~frequent, "expected_purchases"].mean()
    assert ((scores["probability_alive"] > 0) & (scores["probability_alive"] <= 1)).all()
    # customers without repeat purchases get the population mean spend p * v / (q - 1)
    one_off = simulated["frequency"] == 0
    assert np.allclose(scores.loc[one_off, "expected_order_value"], fit.p * fit.v / (fit.q - 1))


def test_alive_probability_falls_with_time_since_last_purchase():
    fit = fit_value_model(simulate_customers(TRUE, customers=5_000, period=365.0, seed=3))
    customers = pd.DataFrame(
        {"frequency": [4, 4, 4, 0], "recency": [300, 200, 100, 0], "T": [310, 310, 310, 310],
         "monetary_value": [100.0, 100.0, 100.0, 0.0]}
    )
    alive = score_customers(customers, fit, horizon=365.0)["probability_alive"].to_numpy()
    assert alive[0] > alive[1] > alive[2]
    assert alive[3] == 1.0  # BG/NBD: nobody drops out before a repeat purchase


def test_bad_summary_is_refused():
    with pytest.raises(ValueError, match="lacks column"):
        fit_value_model(pd.DataFrame({"frequency": [1]}))
    with pytest.raises(ValueError, match="recency <= T"):
        fit_value_model(pd.DataFrame({"frequency": [1], "recency": [5], "T": [3], "monetary_value": [1.0]}))
    with pytest.raises(ValueError, match="repeat buyers"):
        fit_value_model(pd.DataFrame({"frequency": [0, 1], "recency": [0, 1], "T": [3, 3], "monetary_value": [0, 1.0]}))


def test_a_history_without_drop_out_gives_no_parameters_rather_than_runaway_ones():
    """Four weeks in which every repeat buyer bought again near the end: nothing tells how customers
    drop out, the optimiser runs b/a off to infinity, and such a fit once predicted negative revenue."""
    customers = 60
    summary = pd.DataFrame({
        "frequency": [1 + i % 4 for i in range(customers)],
        "recency": [26 + i % 2 for i in range(customers)],
        "T": [27] * customers,
        "monetary_value": [100.0 + i for i in range(customers)],
    })
    with pytest.raises(ValueError, match="did not settle on usable parameters"):
        fit_value_model(summary)


def test_the_fit_does_not_depend_on_the_order_of_the_rows(simulated):
    """The warehouse hands rows over in any order; float sums depend on the order of their terms,
    so the fit sorts first and two builds give the same parameters to the last bit."""
    shuffled = simulated.sample(frac=1.0, random_state=7)
    assert fit_value_model(shuffled).as_dict() == fit_value_model(simulated).as_dict()
