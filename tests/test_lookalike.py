"""The look-alike model on a tiny synthetic set whose answer is known: the best customers are
exactly those who clicked campaigns at least 7 times before their first order."""

from datetime import date, timedelta

import pandas as pd
import pytest

from mdw_stats.lookalike import InsufficientDataError, deciles, holdout_check, score_prospects


def _people(n_buyers: int = 400, n_prospects: int = 100) -> pd.DataFrame:
    rows = []
    for i in range(n_buyers + n_prospects):
        clicks = i % 10
        prospect = i >= n_buyers
        rows.append({
            "customer_key": f"CUS-{i:04d}", "is_prospect": prospect, "is_best": (not prospect) and clicks >= 7,
            "first_order_date": None if prospect else date(2026, 1, 1) + timedelta(days=i),
            "lead_source": "paid_social" if i % 2 else "store", "province": "Zhejiang", "has_crm_record": True,
            "social_engagements": i % 3, "social_shares_mentions_comments": 0, "social_likes_follows": i % 3,
            "social_clicks_messages": 0, "survey_answers": 0, "campaign_opens": clicks, "campaign_clicks": clicks,
        })
    return pd.DataFrame(rows)


def test_the_holdout_finds_the_known_trait():
    buyers = _people()
    buyers = buyers[~buyers["is_prospect"]]
    check = holdout_check(buyers, date(2026, 1, 1) + timedelta(days=300))
    assert (check.train_customers, check.test_customers) == (300, 100)
    assert check.test_best_share == pytest.approx(0.3)
    assert check.auc > 0.99
    # every customer of the top decile is a best one: lift = 1 / 0.3
    assert check.top_decile_lift == pytest.approx(1 / 0.3)


def test_prospects_who_look_like_the_best_score_highest_in_any_row_order():
    people = _people()
    scores = score_prospects(people)
    shuffled = score_prospects(people.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(scores, shuffled)
    clicks = scores["customer_key"].str[-1].astype(int)  # clicks = i % 10 = the key's last digit
    assert set(clicks[scores["decile"] == 10]) == {9}
    assert set(clicks[scores["decile"] == 1]) == {0}
    assert scores["score"].is_monotonic_decreasing and len(scores) == 100


def test_too_few_best_customers_is_said_not_guessed():
    people = _people()
    people["is_best"] = people["customer_key"].isin(["CUS-0007", "CUS-0017"])
    with pytest.raises(InsufficientDataError, match="2 best customers"):
        score_prospects(people)


def test_deciles_break_ties_by_key():
    keys = pd.Series([f"K{i:02d}" for i in range(20)])
    assert list(deciles(pd.Series([0.5] * 20), keys)) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]
