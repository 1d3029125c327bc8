"""First-order Markov-chain attribution: removal effects of channels from journey transitions.

The chain's states are `start`, one state per channel, and the absorbing states `conversion` and
`null`. Transition probabilities are the observed transition counts of each state, normalised.
The probability of conversion from `start` solves a small linear system (one unknown per channel).
A channel's removal effect is the share of that probability lost when every transition into the
channel goes to `null` instead; the removal effects normalised to sum to 1 are the channel shares
that distribute conversions. Plain functions on a pandas table, called by a dbt Python model and
tested on hand-solved journeys; a few dozen lines of numpy instead of a dependency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START, CONVERSION, NULL = "start", "conversion", "null"
RESULT_COLUMNS = ["channel", "transitions_out", "conversion_probability", "conversion_probability_without",
                  "removal_effect", "markov_share"]


def _conversion_probability(prob: np.ndarray, to_conversion: np.ndarray, from_start: np.ndarray,
                            removed: int | None = None) -> float:
    """P(reach conversion | start), with channel `removed` (an index) made a dead end."""
    keep = np.ones(len(to_conversion), dtype=bool)
    if removed is not None:
        keep[removed] = False
    transient = prob[np.ix_(keep, keep)]
    # x = Q x + r over the kept channels; a removed channel converts with probability 0
    absorbed = np.linalg.solve(np.eye(int(keep.sum())) - transient, to_conversion[keep])
    return float(from_start[keep] @ absorbed)


def markov_removal_effects(transitions: pd.DataFrame) -> pd.DataFrame:
    """One row per channel: removal effect and share, from (from_state, to_state, transitions) rows.

    Shares sum to 1 when any journey converted; with no conversion every figure is 0.
    """
    if transitions.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    counts = transitions.groupby(["from_state", "to_state"], as_index=False)["transitions"].sum()
    channels = sorted((set(counts["from_state"]) | set(counts["to_state"])) - {START, CONVERSION, NULL})
    index = {channel: i for i, channel in enumerate(channels)}
    n = len(channels)
    totals = counts.groupby("from_state")["transitions"].sum()
    prob, to_conversion, from_start = np.zeros((n, n)), np.zeros(n), np.zeros(n)
    for row in counts.itertuples(index=False):  # one row per distinct transition: a few hundred at most
        share = row.transitions / totals[row.from_state]
        if row.from_state == START:
            if row.to_state in index:
                from_start[index[row.to_state]] += share
        elif row.to_state == CONVERSION:
            to_conversion[index[row.from_state]] += share
        elif row.to_state in index:
            prob[index[row.from_state], index[row.to_state]] += share
    base = _conversion_probability(prob, to_conversion, from_start)
    without = np.array([_conversion_probability(prob, to_conversion, from_start, removed=i) for i in range(n)])
    effects = 1 - without / base if base > 0 else np.zeros(n)
    total_effect = effects.sum()
    return pd.DataFrame({
        "channel": channels,
        "transitions_out": [int(totals.get(c, 0)) for c in channels],
        "conversion_probability": base,
        "conversion_probability_without": without,
        "removal_effect": effects,
        "markov_share": effects / total_effect if total_effect > 0 else np.zeros(n),
    })[RESULT_COLUMNS]
