"""Sensors: the landing sensor, and the housekeeping sensor that fails abandoned runs.

The landing sensor starts the refresh when a day's delivery is complete, beside the 06:00 schedule.

A source system writes its files over minutes; refreshing on the first file would load half a
day. A delivery day counts as complete by one of two rules, chosen on the LandingZone resource:

- `quiet` (default): every expected source has a folder for the day holding at least one of its
  contract files, and nothing in those folders changed for `quiet_minutes`.
- `marker`: every expected source has written a `_SUCCESS` file into its folder for the day
  (the convention of Hadoop and Spark writers).

Expected sources are listed on the resource, or else derived from the landing folder's own
history: the sources that delivered on at least half of the last 14 delivery days (a survey tool
that delivers twice a week is not waited for every day).

At most one refresh per delivery day: the cursor keeps the newest day requested and the complete
days already seen, so a day touched again does not run twice. Each run is for a daily partition
(dagster_project/partitions.py); a day that completes after a later one is loaded by a run of the
newest partition, which loads every day folder up to it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from dagster_project.ingest.contract import FEEDS
from dagster_project.ingest.files import SUCCESS_MARKER, is_day_folder
from dagster_project.jobs import daily_refresh_job
from dagster_project.resources import LandingZone
from dagster_project.runs import fail_abandoned_runs

HISTORY_DAYS = 14


@dataclass(frozen=True)
class DayDelivery:
    source: str
    day: str
    files: tuple[Path, ...]  # contract files present
    has_marker: bool
    last_change: float  # newest mtime of anything in the folder


def deliveries(landing: Path) -> list[DayDelivery]:
    """Every `<source>/<day>/` folder with what it holds (contract files, marker, last change)."""
    found = []
    for source, feed_files in FEEDS.items():
        names = {ff.filename for ff in feed_files}
        source_dir = landing / source
        if not source_dir.is_dir():
            continue
        for folder in source_dir.iterdir():
            if not folder.is_dir() or not is_day_folder(folder.name):
                continue
            entries = [p for p in folder.iterdir() if p.is_file()]
            files = tuple(sorted(p for p in entries if p.name in names))
            last_change = max([folder.stat().st_mtime, *(p.stat().st_mtime for p in entries)])
            found.append(DayDelivery(source, folder.name, files, (folder / SUCCESS_MARKER).exists(), last_change))
    return found


def expected_sources(found: list[DayDelivery], configured: list[str] | None = None) -> set[str]:
    """The sources a complete day must hold: as configured, or those that delivered on at least
    half of the last HISTORY_DAYS delivery days."""
    if configured:
        return set(configured)
    days = sorted({d.day for d in found if d.files})[-HISTORY_DAYS:]
    counts: dict[str, int] = {}
    for d in found:
        if d.files and d.day in days:
            counts[d.source] = counts.get(d.source, 0) + 1
    return {source for source, n in counts.items() if n * 2 >= len(days)}


def complete_days(landing: Path, rule: str = "quiet", quiet_minutes: float = 10.0,
                  configured_sources: list[str] | None = None, now: float | None = None) -> list[str]:
    """Delivery days that are complete under `rule` ("quiet" or "marker"), oldest first."""
    if rule not in ("quiet", "marker"):
        raise ValueError(f"delivery rule must be 'quiet' or 'marker', got {rule!r}")
    found = deliveries(landing)
    expected = expected_sources(found, configured_sources)
    if not expected:
        return []
    now = time.time() if now is None else now
    by_day: dict[str, dict[str, DayDelivery]] = {}
    for d in found:
        by_day.setdefault(d.day, {})[d.source] = d
    complete = []
    for day, sources in sorted(by_day.items()):
        present = [sources[s] for s in expected if s in sources]
        if len(present) < len(expected):
            continue
        if rule == "marker":
            done = all(d.has_marker for d in present)
        else:
            done = all(d.files for d in present) and all(now - d.last_change >= quiet_minutes * 60 for d in present)
        if done:
            complete.append(day)
    return complete


SEEN_DAYS_KEPT = 60  # complete days remembered in the cursor, so that a late one is recognised


def read_cursor(cursor: str | None) -> tuple[str | None, set[str]]:
    """The newest requested day and the complete days already seen (a plain day: older cursors)."""
    if not cursor:
        return None, set()
    if not cursor.startswith("{"):
        return cursor, set()
    data = json.loads(cursor)
    return data["newest"], set(data["seen"])


def delivery_request(days: list[str], cursor: str | None) -> tuple[dg.RunRequest | None, str | None]:
    """The run for newly complete days and the new cursor; (None, cursor) when nothing is new.

    One run for everything newly complete, for the partition of the newest day ever requested:
    a day completed out of order (day 4 after day 5) is loaded by a run of partition 5, which
    loads every day up to 5, so the marts never step back to an older as-of date. The first
    evaluation requests only the newest complete day (older ones count as seen)."""
    newest, seen = read_cursor(cursor)
    if newest is None:
        new = days[-1:]
        seen = set(days)
    else:  # days older than the oldest remembered are not new (they fell out of the cursor)
        floor = min(seen | {newest})
        new = [d for d in days if d not in seen and d > floor]
        seen |= set(new)
    if not new:
        return None, cursor
    partition = max([*new, newest or new[-1]])
    kept = sorted(seen)[-SEEN_DAYS_KEPT:]
    request = dg.RunRequest(run_key="delivery:" + ",".join(new), partition_key=partition,
                            tags={"delivery_days": ",".join(new)})
    return request, json.dumps({"newest": partition, "seen": kept})


@dg.sensor(
    name="landing_delivery_sensor",
    job=daily_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts the daily refresh once a delivery day is complete in the landing folder "
    "(every expected source present and quiet, or marked with _SUCCESS): one run per newly complete day, "
    "for that day's partition (a day completed late: the newest partition already requested).",
)
def landing_delivery_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
    days = complete_days(landing.root, landing.delivery_rule, landing.quiet_minutes, landing.expected_sources)
    request, cursor = delivery_request(days, context.cursor)
    if request is None:
        newest, _ = read_cursor(context.cursor)
        return dg.SkipReason(f"no newly completed delivery day (newest requested: {newest or 'none'})")
    context.update_cursor(cursor)
    return request


@dg.sensor(
    name="abandoned_runs_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed a run whose process is gone (killed, crashed, rebooted): it would hold the "
    "run queue's only slot for ever. Housekeeping; launches nothing.",
)
def abandoned_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    failed = fail_abandoned_runs(context.instance)
    return dg.SkipReason(f"marked abandoned run(s) failed: {', '.join(failed)}" if failed
                         else "no abandoned run")
