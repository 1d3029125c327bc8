"""Markov removal effects on journeys solved by hand (mdw_stats/attribution.py)."""

from itertools import pairwise

import pandas as pd
import pytest

from mdw_stats.attribution import markov_removal_effects


def _transitions(paths: list[tuple[str, bool]]) -> pd.DataFrame:
    """(path 'A > B', converted) -> the transition counts int_attribution_transitions would give."""
    rows = []
    for path, converted in paths:
        states = ["start", *path.split(" > "), "conversion" if converted else "null"]
        rows += [{"from_state": a, "to_state": b, "transitions": 1} for a, b in pairwise(states)]
    return pd.DataFrame(rows)


def test_removal_effects_of_five_journeys_solved_by_hand():
    # Journeys: A > B (converts), A (converts), B (null), A > C (null), C > B (converts).
    # Transition probabilities: start -> A 3/5, B 1/5, C 1/5; A -> B, conversion, C 1/3 each;
    # B -> conversion 2/3, null 1/3; C -> null 1/2, B 1/2.
    # Conversion from each state: x_B = 2/3; x_C = 1/2 x_B = 1/3; x_A = 1/3 x_B + 1/3 + 1/3 x_C = 2/3.
    # P(conversion) = 3/5 x_A + 1/5 x_B + 1/5 x_C = 3/5 (the observed 3 in 5).
    # Without A (x_A = 0): 1/5 * 2/3 + 1/5 * 1/3 = 1/5, removal effect 1 - (1/5)/(3/5) = 2/3.
    # Without B (x_B = 0, so x_C = 0, x_A = 1/3): 3/5 * 1/3 = 1/5, removal effect 2/3.
    # Without C (x_C = 0, x_A = 5/9): 3/5 * 5/9 + 1/5 * 2/3 = 7/15, removal effect 1 - 7/9 = 2/9.
    # Shares: (2/3, 2/3, 2/9) / (14/9) = 3/7, 3/7, 1/7.
    result = markov_removal_effects(_transitions([
        ("A > B", True), ("A", True), ("B", False), ("A > C", False), ("C > B", True),
    ])).set_index("channel")
    assert list(result.index) == ["A", "B", "C"]
    assert result["conversion_probability"].tolist() == pytest.approx([3 / 5] * 3)
    assert result["conversion_probability_without"].tolist() == pytest.approx([1 / 5, 1 / 5, 7 / 15])
    assert result["removal_effect"].tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 9])
    assert result["markov_share"].tolist() == pytest.approx([3 / 7, 3 / 7, 1 / 7])
    assert result["transitions_out"].tolist() == [3, 3, 2]


def test_repeated_channels_and_self_loops_do_not_change_removal_effects():
    # A self-loop only delays absorption: "A > A > B" converts through A and B like "A > B".
    once = markov_removal_effects(_transitions([("A > B", True), ("B", False)]))
    looped = markov_removal_effects(_transitions([("A > A > B", True), ("B", False)]))
    assert looped["removal_effect"].tolist() == pytest.approx(once["removal_effect"].tolist())
    # start -> A, B 1/2 each; A -> B; B -> conversion 1/2: P = 1/2. Without A: 1/2 * 1/2 = 1/4
    # (effect 1/2); without B nothing converts (effect 1). Shares 1/3 and 2/3.
    assert once["removal_effect"].tolist() == pytest.approx([0.5, 1.0])
    assert once["markov_share"].tolist() == pytest.approx([1 / 3, 2 / 3])


def test_no_conversion_gives_zero_effects_and_no_transitions_no_rows():
    result = markov_removal_effects(_transitions([("A", False), ("B > A", False)]))
    assert result["removal_effect"].tolist() == [0.0, 0.0]
    assert result["markov_share"].tolist() == [0.0, 0.0]
    assert markov_removal_effects(pd.DataFrame(columns=["from_state", "to_state", "transitions"])).empty
