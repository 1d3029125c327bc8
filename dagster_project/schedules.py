"""The daily refresh schedule, stopped by default so nothing runs until an engineer turns it on."""

from datetime import timedelta

import dagster as dg

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
