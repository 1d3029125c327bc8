"""The daily refresh schedule, stopped by default so nothing runs until an engineer turns it on,
and the freshness policy derived from it."""

from datetime import timedelta

import dagster as dg

from dagster_project.config import freshness_hours
from dagster_project.jobs import daily_refresh_job


@dg.schedule(
    name="daily_refresh_schedule",
    job=daily_refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every morning at 06:00 Shanghai time, after the source systems' nightly exports: "
    "the partition of the day before (the last complete delivery day), so the marts are as of that day.",
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time.date() - timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=day, partition_key=day)


def daily_freshness_policy() -> dg.FreshnessPolicy:
    """What the UI expects of an asset the daily refresh updates (the landing feeds, the published
    marts BI reads): updated within MDW_FRESHNESS_WARN_HOURS (default 26) of its last update, else
    WARN; within MDW_FRESHNESS_FAIL_HOURS (default 30), else FAIL. A run at 06:00 that succeeds
    keeps it passing until the next morning's run, with a few hours' grace for a slow or retried run.
    Dagster's freshness daemon (part of `dagster dev` / `mdw ui`) evaluates it."""
    warn, fail = freshness_hours()
    return dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=fail), warn_window=timedelta(hours=warn))
