"""Every limit and severity of the quality rules, in one place.

docs/quality-rules.md says what each rule checks and how each figure below is derived. A data
engineer tunes the warehouse here; the rules read nothing from the demo generator.
"""

from __future__ import annotations

# What a rule's result does to the build. A blocking Dagster check that fails with ERROR (a BLOCK
# rule failed) stops everything downstream; with WARN (only WARN rules failed) the build goes on.
PASS, WARN, BLOCK = "pass", "warn", "block"

# Severity of a failed rule, by rule name. A rule not named here blocks: structural breakage
# (required columns, missing ids, unparseable or impossible values, quarantine share) must stop
# the build. Name any rule here with WARN to let the build go on past it.
RULE_SEVERITY: dict[str, str] = {
    # outside the first band, either side; the second, wider band on the low side always blocks
    "delivery_volume": WARN,
    # the source has not delivered for longer than FRESHNESS_MAX_AGE_HOURS
    "delivery_freshness": WARN,
}


def failure_severity(rule: str) -> str:
    """What the failure of `rule` does: WARN or BLOCK."""
    return RULE_SEVERITY.get(rule, BLOCK)


# --- raw feeds: structure
FUTURE_TOLERANCE_HOURS = 24  # a timestamp may be this far ahead of the wall clock (clock skew)
MAX_QUARANTINE_SHARE = 0.05  # quarantined share of delivered rows, per raw table and per file
# A quarantine share fails only when it exceeds the limit with confidence: the Wilson lower bound
# of the share at this z (1.96: 95% two-sided) must be above MAX_QUARANTINE_SHARE. Small files and
# feeds get a wide interval (1 bad row of 15 passes), large ones one close to the plain share.
QUARANTINE_CONFIDENCE_Z = 1.96
# The per-file rule judges every delivered file, hundreds of them: at 95% a few small files would
# pass the bound by chance (2 bad rows of 10 did, on the year of demo data). 3 (99.7%) keeps chance
# out and still catches a broken file (6 of 17, 20 of 40, a file of missing ids).
FILE_SPIKE_CONFIDENCE_Z = 3.0
MIN_QUARANTINED_ROWS = 2  # one malformed row is an incident to read in raw.quarantine, not a broken feed

# --- raw feeds: volume of the newest delivery against the feed's own history (expectations/delivery.py)
VOLUME_WINDOW = 14  # trailing deliveries that make the expected level
VOLUME_MIN_HISTORY = 7  # earlier deliveries a feed needs before its volume is judged
VOLUME_BAND_Z = 3.0  # first band: |rows - level| / noise beyond this warns, either side
# second band, low side only: outside the first band and under this share of the level blocks, what a
# truncated or failed export looks like; a step down to a third warns; a high day (a sale) never blocks
VOLUME_BLOCK_SHARE = 0.25
# a low that the second band would block only warns when the feed's own deliveries of this many days
# before had one the rule would have blocked too: such lows are how that feed runs (a campaign
# feed, quiet between sends), not a broken export; a year takes in a yearly low (a holiday)
VOLUME_PRECEDENT_DAYS = 365
WEEKLY_RHYTHM_WEEKS = 8  # history looked at to find a weekly rhythm
WEEKLY_RHYTHM_MIN_WEEKS = 3  # deliveries a weekday needs to count in that test
# a weekly rhythm: weekday medians spread by more than this many times the noise within a weekday
WEEKLY_RHYTHM_NOISE_RATIO = 3.0

# --- raw feeds: freshness of each source
FRESHNESS_MAX_AGE_HOURS = 36  # newest delivered file's modification time, against the wall clock

# --- marts
ROW_COUNT_BAND = 0.3  # mart row counts may move by this share against the previous published run
MIN_ROWS_FOR_BAND = 1000  # smaller tables move by more than any band as a matter of course
