"""Is the newest delivery of a feed normal for that feed? Volume and freshness against history.

A fixed share of an all-time median misreads real feeds: volumes drift (a busy fortnight ends),
follow the week (weekends are quiet) and, at small counts, jump by chance. So the newest delivery
day of a feed file is judged against the feed's own recent deliveries: the median of the trailing
window (the same weekday when the feed has a weekly rhythm), with a noise band that is the wider
of the robust spread of those deliveries and the Poisson spread of the level, so that small
counts get a wide band. The rules are pure functions of (delivery day, rows) pairs and times;
the readers below take those from the load manifest. Limits and severities: expectations/settings.py.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from expectations.settings import (
    BLOCK,
    FRESHNESS_MAX_AGE_HOURS,
    PASS,
    VOLUME_BAND_Z,
    VOLUME_BLOCK_SHARE,
    VOLUME_MIN_HISTORY,
    VOLUME_PRECEDENT_DAYS,
    VOLUME_WINDOW,
    WEEKLY_RHYTHM_MIN_WEEKS,
    WEEKLY_RHYTHM_NOISE_RATIO,
    WEEKLY_RHYTHM_WEEKS,
    failure_severity,
)

# The files a feed has delivered: each file's latest manifest row (failed loads do not change a
# file's state), kept when that state is loaded or replaced (a retracted file was not delivered).
DELIVERED_FILES = """
    select * from (
        select *, row_number() over (partition by file_path order by loaded_at desc) as newest_first
        from raw.load_manifest where status <> 'failed'
    ) as versions
    where newest_first = 1 and status in ('loaded', 'replaced')"""


@dataclass(frozen=True)
class Judgement:
    outcome: str  # PASS, WARN or BLOCK (expectations.settings)
    message: str
    metadata: dict[str, Any] = field(default_factory=dict)


def noise(counts: list[int], level: float) -> float:
    """How far counts stray from their level by chance: 1.4826 x the median absolute deviation
    (the standard deviation of normal noise, unmoved by a few odd days) or, where wider, the
    Poisson spread sqrt(level) that small counts have; never under one row."""
    mad = median(abs(c - level) for c in counts)
    return max(1.4826 * mad, math.sqrt(level), 1.0)


def weekly_rhythm(deliveries: Iterable[tuple[date, int]]) -> bool:
    """Whether volumes follow the weekday: the medians of the weekdays seen in at least
    WEEKLY_RHYTHM_MIN_WEEKS deliveries spread by far more than the noise within a weekday."""
    by_weekday: dict[int, list[int]] = defaultdict(list)
    for day, rows in deliveries:
        by_weekday[day.weekday()].append(rows)
    groups = [rows for rows in by_weekday.values() if len(rows) >= WEEKLY_RHYTHM_MIN_WEEKS]
    if len(groups) < 2:
        return False
    medians = [median(rows) for rows in groups]
    within = median(noise(rows, level) for rows, level in zip(groups, medians, strict=True))
    return max(medians) - min(medians) > WEEKLY_RHYTHM_NOISE_RATIO * within


def judge_volume(deliveries: Iterable[tuple[date, int]], precedents: bool = True) -> Judgement:
    """Judge the rows of the newest delivery day against the feed's earlier deliveries.

    Warns outside VOLUME_BAND_Z noise units either side (a sale day is high but real); blocks only
    a low day past the second band, outside the first and under VOLUME_BLOCK_SHARE of the level:
    what a truncated or failed export looks like. The noise band keeps small counts from blocking
    (level 5, newest 1 is chance), the share keeps a business step down (to a third) from blocking.
    A low the feed has had before only warns: when the same rule, replayed on the feed's own
    deliveries of the last VOLUME_PRECEDENT_DAYS, would have blocked one of them (delivered and
    kept) that was as low against its level, such lows are how this feed runs (a campaign feed
    quiet between sends), not a breakage (`precedents=False`: the rule without this step, as the
    replay uses it).
    Does not apply before VOLUME_MIN_HISTORY earlier deliveries.
    """
    ordered = sorted(deliveries)
    if not ordered:
        return Judgement(PASS, "no delivery yet", {"applies": False})
    (day, rows), earlier = ordered[-1], ordered[:-1]
    facts: dict[str, Any] = {"newest_delivery": day.isoformat(), "rows": rows, "earlier_deliveries": len(earlier)}
    if len(earlier) < VOLUME_MIN_HISTORY:
        return Judgement(PASS, f"{_rows(rows)} on {day}; too little history to judge ({len(earlier)} earlier "
                               f"deliveries, the rule applies from {VOLUME_MIN_HISTORY})", {**facts, "applies": False})
    recent = [(d, r) for d, r in earlier if (day - d).days <= 7 * WEEKLY_RHYTHM_WEEKS]
    same_weekday = [r for d, r in recent if d.weekday() == day.weekday()][-VOLUME_WINDOW:]
    if len(same_weekday) >= WEEKLY_RHYTHM_MIN_WEEKS and weekly_rhythm(recent):
        reference, basis = same_weekday, f"the last {len(same_weekday)} {day:%A}s (weekly rhythm)"
    else:
        reference = [r for _, r in earlier[-VOLUME_WINDOW:]]
        basis = f"the last {len(reference)} deliveries"
    level = median(reference)
    spread = noise(reference, level)
    z = (rows - level) / spread
    precedent = None
    if z < -VOLUME_BAND_Z and rows < VOLUME_BLOCK_SHARE * level:
        if precedents:
            precedent = _low_precedent(ordered, rows / level)
        if precedent is None:
            outcome, verdict = BLOCK, f"under {VOLUME_BLOCK_SHARE:.0%} of the level: a broken delivery"
        else:
            outcome = failure_severity("delivery_volume")
            verdict = (f"under {VOLUME_BLOCK_SHARE:.0%} of the level, but not taken for a broken delivery: the feed "
                       f"fell as low on {precedent.metadata['newest_delivery']} ({_rows(precedent.metadata['rows'])} "
                       f"against a level of {precedent.metadata['level']:g})")
    elif abs(z) > VOLUME_BAND_Z:
        outcome, verdict = failure_severity("delivery_volume"), f"unusually {'low' if z < 0 else 'high'}"
    else:
        outcome, verdict = PASS, "normal"
    message = (f"{_rows(rows)} on {day} ({day:%a}) against a level of {level:g} from {basis}, "
               f"noise {spread:.1f}, z {z:+.1f}: {verdict}")
    metadata = {**facts, "applies": True, "level": float(level), "noise": round(spread, 2), "z": round(z, 2),
                "basis": basis}
    if precedent is not None:
        metadata["precedent"] = precedent.metadata["newest_delivery"]
    return Judgement(outcome, message, metadata)


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _low_precedent(ordered: list[tuple[date, int]], share: float) -> Judgement | None:
    """The latest earlier delivery, within VOLUME_PRECEDENT_DAYS of the newest, that the rule
    would have blocked when it arrived (judged against the deliveries before it) and that was
    at most `share` of its level (as low as the newest), if any."""
    newest = ordered[-1][0]
    for end in range(len(ordered) - 1, 0, -1):
        if (newest - ordered[end - 1][0]).days > VOLUME_PRECEDENT_DAYS:
            return None
        judgement = judge_volume(ordered[:end], precedents=False)
        if judgement.outcome == BLOCK and judgement.metadata["rows"] <= share * judgement.metadata["level"]:
            return judgement
    return None


def judge_freshness(source: str, last_delivered: datetime | None, now: datetime) -> Judgement:
    """Warn when the source's newest delivered file was modified more than
    FRESHNESS_MAX_AGE_HOURS before `now` (both naive UTC)."""
    if last_delivered is None:
        return Judgement(PASS, f"{source} has no delivered file with a modification time yet", {"applies": False})
    hours = (now - last_delivered).total_seconds() / 3600
    late = hours > FRESHNESS_MAX_AGE_HOURS
    message = (f"{source} last delivered {hours:.1f} h ago ({last_delivered:%Y-%m-%d %H:%M} UTC); "
               f"limit {FRESHNESS_MAX_AGE_HOURS} h")
    return Judgement(failure_severity("delivery_freshness") if late else PASS, message,
                     {"applies": True, "last_delivered": f"{last_delivered:%Y-%m-%d %H:%M:%S}",
                      "hours_since": round(hours, 1), "limit_hours": FRESHNESS_MAX_AGE_HOURS})


def delivery_history(con, source: str, feed_file: str) -> list[tuple[date, int]]:
    """(delivery day, rows delivered: loaded plus quarantined) of a feed file's delivered files;
    the day is the folder of `<source>/<day>/<file>`."""
    return [(day, int(rows)) for day, rows in con.execute(f"""
        select try_cast(split_part(file_path, '/', 2) as date) as day, sum(rows_loaded + rows_quarantined)
        from ({DELIVERED_FILES}) as files
        where source = ? and feed_file = ? and day is not null
        group by day order by day""", [source, feed_file]).fetchall()]


def last_delivered(con, source: str) -> datetime | None:
    """When the source last delivered: the newest modification time of its delivered files."""
    return con.execute(f"select max(modified_at) from ({DELIVERED_FILES}) as files where source = ?",
                       [source]).fetchone()[0]
