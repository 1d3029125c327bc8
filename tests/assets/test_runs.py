"""One refresh at a time, crash recovery and runs recorded as the job's runs, with real processes.

Every wait is bounded; a hung process is killed at the end of its test.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_project import warehouse_lock
from dagster_project.runs import JOB_NAME, LOCATION_NAME, PID_TAG
from mdw.cli import BUSY_EXIT_CODE
from tests.conftest import settings_env
from tests.handmade_landing import write_handmade_landing

MDW = [sys.executable, "-m", "mdw.cli"]


def _wait_for(predicate, timeout: float, what: str, poll: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def _children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]


HOLD = """
import sys, time
from pathlib import Path
from dagster_project import warehouse_lock
warehouse_lock.acquire(Path(sys.argv[1]), "test holder", run_id="RUN-A")
print("held", flush=True)
time.sleep(120)
"""


def test_the_warehouse_lock_names_its_holder_refuses_or_waits_and_dies_with_it(settings):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(settings.warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(warehouse_lock.WarehouseBusy, match=rf"run RUN-A \(pid {holder.pid}, since "):
            warehouse_lock.acquire(settings.warehouse, "test", wait=False)
        refused = subprocess.run([*MDW, "run", "--no-wait"], env=settings_env(settings), capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode == BUSY_EXIT_CODE
        assert f"being written by run RUN-A (pid {holder.pid}" in refused.stderr
        assert "Traceback" not in refused.stderr
        # the default waits, saying for whom; a holder killed with -9 frees the warehouse
        waiting = subprocess.Popen([*MDW, "run", "--no-demo"], env=settings_env(settings), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        line = waiting.stdout.readline()
        assert f"being written by run RUN-A (pid {holder.pid}" in line and "waiting" in line
        holder.send_signal(signal.SIGKILL)
        # it then takes the warehouse (and stops: this landing folder is empty)
        assert waiting.wait(timeout=60) == 1
        assert "No landing files" in waiting.stderr.read()
    finally:
        holder.kill()
    warehouse_lock.acquire(settings.warehouse, "test", wait=False)
    warehouse_lock.release(settings.warehouse)


@pytest.mark.e2e
def test_a_killed_refresh_leaves_nothing_behind_and_the_next_run_recovers_as_a_job_run(settings):
    """kill -9 of `mdw run` while dbt builds: dbt dies with it, a second `mdw run` that was waiting
    takes over, marks the abandoned run failed, removes the half-written publish file and succeeds
    on a hand-made landing set without a single failed or warned check (no false alarm)."""
    write_handmade_landing(settings.landing)
    first = subprocess.Popen([*MDW, "run", "--no-demo"], env=settings_env(settings), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    second = None
    try:
        holder = _wait_for(lambda: (h := warehouse_lock.read_holder(settings.warehouse)) and h.run_id and h,
                           60, "the first run to hold the warehouse")
        assert holder.pid == first.pid
        second = subprocess.Popen([*MDW, "run", "--no-demo"], env=settings_env(settings), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        assert f"being written by run {holder.run_id}" in second.stdout.readline()
        dbt = _wait_for(lambda: [pid for pid, cmd in _children(first.pid) if "dbt" in cmd], 180, "dbt to start")
        settings.serving.parent.mkdir(parents=True, exist_ok=True)
        leftover = settings.serving.with_name(f".{settings.serving.name}.deadbeef.tmp")
        leftover.write_bytes(b"half a publish")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _wait_for(lambda: not any(_alive(pid) for pid in dbt), 15, "the orphaned dbt process to die")

        output, _ = second.communicate(timeout=400)
    finally:
        for process in (first, second):
            if process and process.poll() is None:
                process.kill()
    assert second.returncode == 0, output[-4000:]
    assert f"Marked run {holder.run_id} failed: its process is gone" in output
    assert f"Removed {leftover.name}" in output and not leftover.exists()
    assert " warned" not in output and " failed:" not in output.split("Run ")[-1], output[-4000:]

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        killed = instance.get_run_by_id(holder.run_id)
        assert killed.status == dg.DagsterRunStatus.FAILURE
        (recovered,) = [r for r in instance.get_runs() if r.run_id != holder.run_id]
        assert recovered.status == dg.DagsterRunStatus.SUCCESS
        assert recovered.job_name == JOB_NAME and recovered.tags[PID_TAG] == str(second.pid)
        # recorded as the code location's job (its origin names the location and repository the UI
        # loads): the run shows under the job and on the timeline, and the UI can re-execute it
        origin = recovered.remote_job_origin
        assert origin.location_name == LOCATION_NAME and origin.job_name == JOB_NAME
        assert recovered.job_snapshot_id and recovered.execution_plan_snapshot_id
