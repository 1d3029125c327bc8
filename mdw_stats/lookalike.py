"""Look-alike scoring: which prospects resemble the best customers, from traits prospects have too.

A logistic regression (scikit-learn) learns, over buyers, which traits they had *before their first
order* (lead source, province, CRM record, social engagement, survey answers, campaign opens and
clicks) go with ending up among the best customers; every prospect then gets that probability as
a score and a decile (10: the most alike). The model is checked on a time-based holdout: fitted on
the buyers whose first order came before a cutoff, judged on those who first bought after it (AUC,
and the lift of the best-customer rate in the top decile of scores over the overall rate).

Pure functions on pandas frames; no Dagster, no dbt, no warehouse (called by dbt Python models).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

CATEGORICAL = ["lead_source", "province", "has_crm_record"]
COUNTS = ["social_engagements", "social_shares_mentions_comments", "social_likes_follows",
          "social_clicks_messages", "survey_answers", "campaign_opens", "campaign_clicks"]
MIN_POSITIVES = 10  # best customers (and as many others) a fit needs


class InsufficientDataError(ValueError):
    """Too few best customers or others to learn from; the message says how many there were."""


@dataclass(frozen=True)
class HoldoutCheck:
    train_customers: int
    test_customers: int
    test_best_share: float
    auc: float | None  # None when the holdout holds one class only
    top_decile_lift: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def _canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """One row order whatever order the rows came in, so that two builds fit the same model."""
    return frame.sort_values("customer_key", kind="mergesort").reset_index(drop=True)


def _design(frame: pd.DataFrame) -> pd.DataFrame:
    counts = np.log1p(frame[COUNTS].astype("float64").clip(lower=0))
    categories = frame[CATEGORICAL].astype("string").fillna("unknown")
    return pd.concat([counts.reset_index(drop=True), categories.reset_index(drop=True)], axis=1)


def _pipeline():
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer([
        ("counts", StandardScaler(), COUNTS),
        # rare categories (fewer than 20 people) pooled: a province seen twice teaches nothing
        ("categories", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20), CATEGORICAL),
    ])
    return Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=1000))])


def fit(buyers: pd.DataFrame):
    """A fitted pipeline on buyers (columns CATEGORICAL, COUNTS, is_best, customer_key)."""
    buyers = _canonical(buyers)
    labels = buyers["is_best"].astype(bool).to_numpy()
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if min(positives, negatives) < MIN_POSITIVES:
        raise InsufficientDataError(f"{positives} best customers and {negatives} others: at least {MIN_POSITIVES} "
                                    "of each are needed to learn what the best customers look like")
    return _pipeline().fit(_design(buyers), labels)


def score(model, people: pd.DataFrame) -> np.ndarray:
    """Probability of resembling the best customers, for each row of `people` in its order."""
    return model.predict_proba(_design(people.reset_index(drop=True)))[:, 1]


def deciles(scores: pd.Series, keys: pd.Series) -> np.ndarray:
    """Decile of each score, 10 the highest; equal scores broken by key so that ranks are fixed."""
    order = pd.DataFrame({"score": scores.to_numpy(), "key": keys.to_numpy()})
    ranks = order.sort_values(["score", "key"], ascending=[True, True], kind="mergesort").index
    position = np.empty(len(order), dtype=np.int64)
    position[ranks] = np.arange(len(order))
    return (position * 10 // max(len(order), 1) + 1).astype(np.int64)


def holdout_check(buyers: pd.DataFrame, cutoff) -> HoldoutCheck:
    """Fit on buyers whose first order came before `cutoff`, judge on those who first bought on or
    after it: AUC, and the best-customer rate in the top decile of scores over the overall rate."""
    from sklearn.metrics import roc_auc_score

    first = pd.to_datetime(buyers["first_order_date"])
    train = buyers[first < pd.Timestamp(cutoff)]
    test = _canonical(buyers[first >= pd.Timestamp(cutoff)])
    model = fit(train)
    labels = test["is_best"].astype(bool).to_numpy()
    share = float(labels.mean()) if len(labels) else 0.0
    if len(test) == 0 or labels.all() or not labels.any():
        return HoldoutCheck(len(train), len(test), share, None, None)
    scores = score(model, test)
    top = deciles(pd.Series(scores), test["customer_key"]) == 10
    lift = float(labels[top].mean() / share) if top.any() else None
    return HoldoutCheck(len(train), len(test), share, float(roc_auc_score(labels, scores)), lift)


def score_prospects(features: pd.DataFrame) -> pd.DataFrame:
    """Fit on every buyer; score every prospect (customer_key, score, decile), highest first."""
    buyers = features[~features["is_prospect"].astype(bool)]
    prospects = _canonical(features[features["is_prospect"].astype(bool)])
    model = fit(buyers)
    scores = pd.Series(score(model, prospects))
    out = pd.DataFrame({"customer_key": prospects["customer_key"], "score": scores,
                        "decile": deciles(scores, prospects["customer_key"])})
    return out.sort_values(["score", "customer_key"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
