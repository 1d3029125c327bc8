"""Runs of `daily_refresh` started from the command line, recorded as the job's own runs.

`mdw run` creates the run through the Dagster instance from the code location the UI loads
(same location name, job snapshot and code origin), so the run shows under the job and on the
overview timeline and can be re-executed from the UI; it then executes that run in this process,
as a run worker would. Its warehouse resource holds the warehouse lock, so runs queued by the UI,
the schedule or the sensor wait for it (and it for them).

A run whose process died (`kill -9`, a reboot) stays STARTED in the instance for ever, and with a
run queue limit of one it blocks every later run; `fail_abandoned_runs` marks such runs failed. A publish killed
half-way leaves a temporary serving file, which the next run removes (dagster_project.publish).
"""

from __future__ import annotations

import os
import socket
import sys

import dagster as dg

from dagster_project.config import PROJECT_ROOT

JOB_NAME = "daily_refresh"
LOCATION_NAME = "marketing_dw"  # as in workspace.yaml
PID_TAG = "mdw/pid"
HOST_TAG = "mdw/host"
# a run created by a process that died before it started stays NOT_STARTED
UNFINISHED = (dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
              dg.DagsterRunStatus.CANCELING)


def process_tags() -> dict[str, str]:
    """The tags that tie a run to the process executing it (checked by fail_abandoned_runs)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def create_run(instance: dg.DagsterInstance, run_config: dict, partition: str,
               tags: dict[str, str] | None = None) -> dg.DagsterRun:
    """A NOT_STARTED run of daily_refresh for one daily partition (a delivery day), with the origin
    and snapshots of the workspace's job."""
    from dagster._core.definitions.selector import JobSubsetSelector
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(executable_path=sys.executable, module_name="dagster_project.definitions",
                             working_directory=str(PROJECT_ROOT)),
        location_name=LOCATION_NAME,
    )
    with origin.create_location(instance) as location:
        repo = next(iter(location.get_repositories().values()))
        job = location.get_job(JobSubsetSelector(location_name=LOCATION_NAME, repository_name=repo.name,
                                                 job_name=JOB_NAME, op_selection=None))
        plan = location.get_execution_plan(job, run_config, step_keys_to_execute=None, known_state=None,
                                           instance=instance)
        return instance.create_run(
            job_name=JOB_NAME, run_id=None, run_config=run_config, resolved_op_selection=None,
            step_keys_to_execute=None, op_selection=None, status=None, root_run_id=None, parent_run_id=None,
            tags={**job.tags, **(tags or {}), "dagster/partition": partition, **process_tags()},
            job_snapshot=job.job_snapshot, execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=job.parent_job_snapshot, remote_job_origin=job.get_remote_origin(),
            job_code_origin=job.get_python_origin(), asset_selection=None, asset_check_selection=None,
            asset_graph=repo.asset_graph,
        )


def execute(instance: dg.DagsterInstance, run: dg.DagsterRun):
    """Execute a created run in this process; returns its JobExecutionResult."""
    from dagster._core.execution.api import execute_run
    from dagster._utils.hosted_user_process import recon_job_from_origin

    return execute_run(recon_job_from_origin(run.job_code_origin), run, instance)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the unfinished runs on this host whose process is gone. A run carries its
    process's pid and host from its creation by `mdw run`, or from the moment its warehouse
    resource starts in a run worker (runs launched from the UI, the schedule or a sensor).
    Called by `mdw run` before it starts and by the abandoned_runs_sensor while the daemon runs:
    a dead run would otherwise hold the run queue's only slot for ever."""
    host = socket.gethostname()
    abandoned = []
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=JOB_NAME, statuses=list(UNFINISHED))):
        pid = run.tags.get(PID_TAG)
        if pid is None or run.tags.get(HOST_TAG) != host or int(pid) == os.getpid() or _process_alive(int(pid)):
            continue
        instance.report_run_failed(run, f"Abandoned: the process that ran it (pid {pid}) is gone; "
                                        "marked failed by the next mdw run.")
        abandoned.append(run.run_id)
    return abandoned
