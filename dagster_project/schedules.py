"""The daily refresh schedule, stopped by default so nothing runs until an engineer turns it on."""

import dagster as dg

from dagster_project.jobs import daily_refresh_job

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every morning at 06:00 Shanghai time, after the source systems' nightly exports.",
)
