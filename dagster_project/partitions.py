"""Daily partitions by delivery day, shared by every asset of the daily refresh.

Partition D of an asset is its state once every delivery up to day D is in: the ingestion assets
load the landing files of day folders up to D not yet loaded (re-deliveries included), and the
dbt models and marts are built as of D (the `as_of` var). A run for D is idempotent: files
already loaded are skipped and the build is deterministic, so running it twice changes nothing.
A backfill of a range runs its days oldest first, so the warehouse moves forward one day at a
time; a day delivered late is loaded by the next run of any later partition.

The first partition is MDW_FIRST_DELIVERY_DAY (default 2024-01-01): set it to the oldest delivery
day you want to backfill.
"""

from __future__ import annotations

import os
import warnings
from datetime import date
from pathlib import Path

import dagster as dg

from dagster_project.ingest.contract import FEEDS
from dagster_project.ingest.files import is_day_folder

DEFAULT_FIRST_DAY = "2024-01-01"

delivery_days = dg.DailyPartitionsDefinition(
    start_date=os.environ.get("MDW_FIRST_DELIVERY_DAY") or DEFAULT_FIRST_DAY,
    end_offset=1,  # today's deliveries are a partition as soon as they land
    fmt="%Y-%m-%d",
)


# a backfill runs one day per run, oldest first: each day builds on the warehouse the day before left
# (said on every asset of the job; the parameter is marked beta in Dagster 1.13, hence the filter)
ONE_DAY_PER_RUN = dg.BackfillPolicy.multi_run(1)
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)


def landing_days(landing: Path) -> list[str]:
    """Delivery days that hold a folder of any source under `landing`, oldest first."""
    days = {folder.name for source in FEEDS if (landing / source).is_dir()
            for folder in (landing / source).iterdir() if folder.is_dir() and is_day_folder(folder.name)}
    return sorted(days)


def partition_for(day: str) -> str:
    """The partition key of a delivery day, refused with a clear message when out of range."""
    try:
        key = date.fromisoformat(day).isoformat()
    except ValueError as error:
        raise ValueError(f"a delivery day is a date written YYYY-MM-DD, got {day!r}") from error
    first = delivery_days.start.date().isoformat()
    if key < first:
        raise ValueError(f"delivery day {key} is before the first partition {first}: set MDW_FIRST_DELIVERY_DAY")
    return key
