"""Customer value models: BG/NBD for the purchase process, Gamma-Gamma for spend per purchase.

Plain functions over a per-customer summary, so they can be tested on simulated data and called from
the dbt Python models that fit them on the warehouse's own order history (mart_value_model_fit and int_customer_value_predicted, dbt/models/marts/segments and
intermediate/segments).

The summary has one row per customer who bought at least once, in one consistent time unit (the
warehouse uses days):
- ``frequency``: repeat purchases (purchase occasions after the first);
- ``recency``: time from the first to the last purchase (0 when ``frequency`` is 0);
- ``T``: time from the first purchase to the end of the observation period;
- ``monetary_value``: mean value of the repeat purchases (ignored when ``frequency`` is 0).

References: Fader, Hardie and Lee (2005), "Counting your customers the easy way: an alternative to
the Pareto/NBD model", Marketing Science 24(2); Fader, Hardie and Lee (2005), "RFM and CLV: using
iso-value curves for customer base analysis", Journal of Marketing Research 42(4); Fader and Hardie,
"The Gamma-Gamma model of monetary value" (2013 note).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

SUMMARY_COLUMNS = ("frequency", "recency", "T", "monetary_value")
MIN_REPEAT_CUSTOMERS = 20
# A parameter far out on the log scale is the optimiser following a flat likelihood off to the
# edge of the space: a short or very regular history gives no evidence of drop-out (a -> 0 and
# b -> infinity, often with r and alpha growing together), and the predictions such a fit gives
# are numerical noise (negative expected purchases were seen on a four-week landing set). No
# parameters rather than those. Where the optimiser stops on such a ridge depends on its
# tolerances (on the per-customer objective: a ~ e^-11, r ~ e^13 on a four-week set), so the
# BG/NBD bound sits well inside that: its parameters are in days and purchases, where real
# histories give values within e^-3 .. e^7 (CDNOW: r 0.24, alpha 31 days, a 0.79, b 2.4).
# Gamma-Gamma's v is in money, whose scale depends on the currency: its bound stays wide.
MAX_ABS_LOG_PARAMETER = {"r": 10.0, "alpha": 10.0, "a": 10.0, "b": 10.0, "p": 18.0, "q": 18.0, "v": 18.0}


class InsufficientDataError(ValueError):
    """The summary cannot support a fit (too few repeat buyers): no parameters rather than bad ones."""


@dataclass(frozen=True)
class ValueModelFit:
    """Fitted parameters, maximised log-likelihoods and what they were fitted on."""

    r: float
    alpha: float
    a: float
    b: float
    bgnbd_log_likelihood: float
    p: float
    q: float
    v: float
    gamma_gamma_log_likelihood: float
    customers: int
    repeat_customers: int
    converged: bool

    def as_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)

    @classmethod
    def from_row(cls, row) -> ValueModelFit:
        """Read a fit back from a row of mart_value_model_fit (a mapping with these names)."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def model_input(summary: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """The model's summary columns from the warehouse's int_customer_orders_summarised.

    prefix "" reads the summary as of as_of; "calibration_" reads it as of the holdout cut-off.
    """
    return pd.DataFrame(
        {
            "frequency": summary[f"{prefix}frequency"],
            "recency": summary[f"{prefix}recency_days"],
            "T": summary[f"{prefix}age_days"],
            "monetary_value": summary[f"{prefix}monetary_value"],
        },
        index=summary.index,
    )


def _validated(summary: pd.DataFrame) -> pd.DataFrame:
    missing = [column for column in SUMMARY_COLUMNS if column not in summary.columns]
    if missing:
        raise ValueError(f"customer summary lacks column(s) {', '.join(missing)}")
    frame = summary.loc[:, list(SUMMARY_COLUMNS)].astype("float64")
    if frame[["frequency", "recency", "T"]].isna().any().any():
        raise ValueError("frequency, recency and T must not be null")
    bad = (frame["frequency"] < 0) | (frame["recency"] < 0) | (frame["recency"] > frame["T"])
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} customer(s) break frequency >= 0 and 0 <= recency <= T "
            f"(first at position {int(np.flatnonzero(bad.to_numpy())[0])})"
        )
    return frame


def _bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
    """Per-row log-likelihood of BG/NBD (Fader, Hardie and Lee 2005, equation 6)."""
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    a4 = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def _gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-row log-likelihood of the mean spend m of x repeat purchases under Gamma-Gamma."""
    p, q, v = params
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(x * m + v)
    )


def _maximise(neg_log_likelihood, start: np.ndarray, total_weight: float) -> tuple[np.ndarray, float, bool]:
    """Maximise over log-parameters (keeps every parameter positive); Nelder-Mead polishes L-BFGS-B.

    The optimisers see the mean negative log-likelihood per customer, whose size does not grow with
    the number of customers: their absolute tolerances then mean the same at any scale. (On the
    sum, Nelder-Mead's fatol of 1e-9 sits below the float noise of a 1e7 log-likelihood, and a
    million customers ran it to maxiter: 26 minutes instead of about one.) Returns the parameters
    and the total log-likelihood."""

    def mean_objective(log_params: np.ndarray) -> float:
        return neg_log_likelihood(log_params) / total_weight

    first = optimize.minimize(mean_objective, np.log(start), method="L-BFGS-B")
    second = optimize.minimize(
        mean_objective, first.x, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-12}
    )
    best = second if second.fun <= first.fun else first
    return np.exp(best.x), -float(best.fun) * total_weight, bool(first.success or second.success)


def fit_value_model(summary: pd.DataFrame) -> ValueModelFit:
    """Fit BG/NBD and Gamma-Gamma by maximum likelihood on a per-customer summary.

    Identical (frequency, recency, T) rows are collapsed with weights first: with whole-day units
    a year of data has far fewer distinct rows than customers, which makes the fit fast.
    """
    # one canonical row order: float sums depend on the order of their terms, and the warehouse
    # hands rows over in any order, so two builds would otherwise fit slightly different parameters
    frame = _validated(summary).sort_values(["frequency", "recency", "T", "monetary_value"], kind="stable")
    if (frame["frequency"] > 0).sum() < MIN_REPEAT_CUSTOMERS:
        raise InsufficientDataError(
            f"the value model needs at least {MIN_REPEAT_CUSTOMERS} repeat buyers to fit, "
            f"found {int((frame['frequency'] > 0).sum())}"
        )
    grouped = frame.groupby(["frequency", "recency", "T"], as_index=False).size()
    x, t_x, big_t = (grouped[column].to_numpy() for column in ("frequency", "recency", "T"))
    weights = grouped["size"].to_numpy(dtype="float64")
    scale = float(np.mean(big_t)) or 1.0

    def bgnbd_objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        value = -np.sum(weights * _bgnbd_log_likelihood(params, x, t_x, big_t))
        return float(value) if np.isfinite(value) else 1e300

    bgnbd, bgnbd_ll, bgnbd_ok = _maximise(bgnbd_objective, np.array([1.0, scale, 1.0, 1.0]), float(weights.sum()))

    # spend is modelled for repeat buyers with a positive mean (an all-discount order has none)
    repeat = frame[(frame["frequency"] > 0) & (frame["monetary_value"] > 0)]
    rx = repeat["frequency"].to_numpy()
    rm = repeat["monetary_value"].to_numpy()

    def gamma_gamma_objective(log_params: np.ndarray) -> float:
        value = -np.sum(_gamma_gamma_log_likelihood(np.exp(log_params), rx, rm))
        return float(value) if np.isfinite(value) else 1e300

    gamma_gamma, gg_ll, gg_ok = _maximise(gamma_gamma_objective, np.array([2.0, 3.0, float(np.mean(rm))]), float(len(rm)))
    parameters = dict(zip(("r", "alpha", "a", "b", "p", "q", "v"), (*bgnbd, *gamma_gamma), strict=True))
    with np.errstate(divide="ignore"):
        runaway = {name: value for name, value in parameters.items()
                   if not np.isfinite(np.log(value)) or abs(np.log(value)) > MAX_ABS_LOG_PARAMETER[name]}
    if runaway:
        shown = ", ".join(f"{name}={value:.3g}" for name, value in runaway.items())
        raise InsufficientDataError(
            f"the fit did not settle on usable parameters ({shown}): the order history is too short or too "
            "regular to tell how customers drop out, so predictions are left empty")
    return ValueModelFit(
        r=float(bgnbd[0]),
        alpha=float(bgnbd[1]),
        a=float(bgnbd[2]),
        b=float(bgnbd[3]),
        bgnbd_log_likelihood=bgnbd_ll,
        p=float(gamma_gamma[0]),
        q=float(gamma_gamma[1]),
        v=float(gamma_gamma[2]),
        gamma_gamma_log_likelihood=gg_ll,
        customers=len(frame),
        repeat_customers=len(repeat),
        converged=bgnbd_ok and gg_ok,
    )


def score_customers(summary: pd.DataFrame, fit: ValueModelFit, horizon: float) -> pd.DataFrame:
    """Expected purchases and revenue over the next ``horizon`` time units, and P(alive).

    Returns one row per summary row (same index) with ``probability_alive``,
    ``expected_purchases``, ``expected_order_value`` and ``expected_revenue``.
    Expected purchases follow Fader, Hardie and Lee (2005), equation 10 (finite for every a != 1);
    the expected order value is
    the Gamma-Gamma posterior mean, which shrinks a customer's own mean towards the population mean
    (p * v / (q - 1)) the fewer purchases it rests on.
    """
    frame = _validated(summary)
    x, t_x, big_t = (frame[column].to_numpy() for column in ("frequency", "recency", "T"))
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    repeat = x > 0
    # odds that the customer has dropped out, given the history (0 for customers without repeats)
    dropout_odds = np.where(
        repeat, a / np.where(repeat, b + x - 1, 1.0) * ((alpha + big_t) / (alpha + t_x)) ** (r + x), 0.0
    )
    probability_alive = 1.0 / (1.0 + dropout_odds)
    z = horizon / (alpha + big_t + horizon)
    hypergeometric = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    growth = 1 - ((alpha + big_t) / (alpha + big_t + horizon)) ** (r + x) * hypergeometric
    expected_purchases = (a + b + x - 1) / (a - 1) * growth / (1.0 + dropout_odds)
    p, q, v = fit.p, fit.q, fit.v
    population_mean = p * v / (q - 1) if q > 1 else np.nan
    m = frame["monetary_value"].fillna(0).to_numpy()
    expected_order_value = np.where(repeat, p * (v + x * m) / (p * x + q - 1), population_mean)
    return pd.DataFrame(
        {
            "probability_alive": probability_alive,
            "expected_purchases": expected_purchases,
            "expected_order_value": expected_order_value,
            "expected_revenue": expected_purchases * expected_order_value,
        },
        index=summary.index,
    )


def simulate_customers(
    params: dict[str, float], customers: int, period: float, holdout: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """Simulate customers from BG/NBD and Gamma-Gamma, for tests and for checking a fit.

    Each customer makes a first purchase at a uniformly drawn time in [0, period) and is observed
    to ``period``; ``holdout_purchases`` counts the purchases in the ``holdout`` that follows.
    Purchases follow a Poisson process with a gamma(r, alpha) rate; after each repeat purchase the
    customer drops out with a beta(a, b) probability. Spend per purchase is gamma(p, nu) with
    nu ~ gamma(q, v).
    """
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], customers)
    dropout = rng.beta(params["a"], params["b"], customers)
    nu = rng.gamma(params["q"], 1.0 / params["v"], customers)
    first = rng.uniform(0, period, customers)
    rows = []
    for i in range(customers):
        big_t = period - first[i]
        t, last, count, later = 0.0, 0.0, 0, 0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > big_t + holdout:
                break
            if t > big_t:
                later += 1
            else:
                count += 1
                last = t
            if rng.random() < dropout[i]:
                break
        spends = rng.gamma(params["p"], 1.0 / nu[i], count) if count else np.array([])
        rows.append((count, last, big_t, float(spends.mean()) if count else 0.0, later))
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, "holdout_purchases"])
