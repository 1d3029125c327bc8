"""The sensors: when is a delivery day complete (tiny hand-made landing folders), and abandoned runs."""

import os
import socket
import subprocess
import sys
import time

import dagster as dg

from dagster_project.resources import LandingZone
from dagster_project.sensors import complete_days, deliveries, expected_sources, landing_delivery_sensor

NOW = time.time()
HOUR = 3600


def deliver(landing, source, day, filename, age_seconds=HOUR, marker=False):
    folder = landing / source / day
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text("x\n")
    stamp = NOW - age_seconds
    os.utime(path, (stamp, stamp))
    if marker:
        (folder / "_SUCCESS").write_text("")
        os.utime(folder / "_SUCCESS", (stamp, stamp))
    os.utime(folder, (stamp, stamp))


def deliver_day(landing, day, sources=("crm", "orders"), **kwargs):
    names = {"crm": "contacts.csv", "orders": "orders.jsonl", "social": "engagements.jsonl",
             "survey": "responses.csv"}
    for source in sources:
        deliver(landing, source, day, names[source], **kwargs)


def test_a_day_is_complete_when_every_expected_source_is_present_and_quiet(tmp_path):
    deliver_day(tmp_path, "2026-03-01")
    deliver(tmp_path, "crm", "2026-03-02", "contacts.csv")  # orders not delivered yet
    deliver_day(tmp_path, "2026-03-03", age_seconds=60)  # still being written (1 minute ago)
    assert complete_days(tmp_path, "quiet", quiet_minutes=10, now=NOW) == ["2026-03-01"]
    assert complete_days(tmp_path, "quiet", quiet_minutes=0.5, now=NOW) == ["2026-03-01", "2026-03-03"]


def test_sources_that_deliver_twice_a_week_are_not_waited_for(tmp_path):
    for day in range(1, 15):
        deliver_day(tmp_path, f"2026-03-{day:02d}")
        if day % 4 == 0:
            deliver(tmp_path, "survey", f"2026-03-{day:02d}", "responses.csv")
    assert expected_sources(deliveries(tmp_path)) == {"crm", "orders"}
    assert complete_days(tmp_path, now=NOW)[-1] == "2026-03-14"
    # configured explicitly, the survey is waited for: only its days are complete
    assert complete_days(tmp_path, configured_sources=["crm", "orders", "survey"], now=NOW) == [
        "2026-03-04", "2026-03-08", "2026-03-12"]


def test_marker_rule_needs_success_files_and_ignores_quiet(tmp_path):
    deliver_day(tmp_path, "2026-03-01", marker=True, age_seconds=5)
    deliver_day(tmp_path, "2026-03-02", age_seconds=5 * HOUR)  # quiet but not marked
    deliver(tmp_path, "crm", "2026-03-03", "contacts.csv", marker=True)
    deliver(tmp_path, "orders", "2026-03-03", "orders.jsonl")
    assert complete_days(tmp_path, "marker", now=NOW) == ["2026-03-01"]


def test_sensor_requests_one_run_per_delivery_day_for_its_partition(tmp_path):
    deliver_day(tmp_path, "2026-03-01")
    resources = {"landing": LandingZone(path=str(tmp_path))}

    def tick(cursor):
        context = dg.build_sensor_context(instance=instance, resources=resources, cursor=cursor)
        return landing_delivery_sensor(context), context.cursor

    with dg.instance_for_test() as instance:
        first, cursor = tick(None)
        assert first.run_key == "delivery:2026-03-01" and first.partition_key == "2026-03-01"
        again, cursor = tick(cursor)
        assert isinstance(again, dg.SkipReason)
        deliver_day(tmp_path, "2026-03-02")
        deliver_day(tmp_path, "2026-03-04")
        later, cursor = tick(cursor)
        # both newly complete days in one run of the newest day's partition (it loads every day up to it)
        assert (later.run_key, later.partition_key) == ("delivery:2026-03-02,2026-03-04", "2026-03-04")
        # day 3 completes after day 4: loaded by a run of the newest partition, the marts stay as of day 4
        deliver_day(tmp_path, "2026-03-03")
        late, cursor = tick(cursor)
        assert (late.run_key, late.partition_key) == ("delivery:2026-03-03", "2026-03-04")
        assert isinstance(tick(cursor)[0], dg.SkipReason)


def test_the_first_tick_requests_only_the_newest_day(tmp_path):
    for day in ("2026-03-01", "2026-03-02", "2026-03-03"):
        deliver_day(tmp_path, day)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"landing": LandingZone(path=str(tmp_path))})
        request = landing_delivery_sensor(context)
        assert (request.run_key, request.partition_key) == ("delivery:2026-03-03", "2026-03-03")
        again = landing_delivery_sensor(dg.build_sensor_context(
            instance=instance, resources={"landing": LandingZone(path=str(tmp_path))}, cursor=context.cursor))
        assert isinstance(again, dg.SkipReason)


def test_abandoned_runs_are_failed_and_live_ones_left_alone():
    """A run whose process is gone would hold the run queue's only slot for ever."""
    from dagster._core.test_utils import create_run_for_test

    from dagster_project.runs import HOST_TAG, JOB_NAME, PID_TAG
    from dagster_project.sensors import abandoned_runs_sensor

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = socket.gethostname()
    with dg.instance_for_test() as instance:
        dead = create_run_for_test(instance, job_name=JOB_NAME, status=dg.DagsterRunStatus.STARTED,
                                   tags={PID_TAG: str(gone.pid), HOST_TAG: host})
        alive = create_run_for_test(instance, job_name=JOB_NAME, status=dg.DagsterRunStatus.STARTED,
                                    tags={PID_TAG: str(os.getppid()), HOST_TAG: host})
        untagged = create_run_for_test(instance, job_name=JOB_NAME, status=dg.DagsterRunStatus.STARTED)
        result = abandoned_runs_sensor(dg.build_sensor_context(instance=instance))
        assert dead.run_id in result.skip_message
        assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
        assert instance.get_run_by_id(untagged.run_id).status == dg.DagsterRunStatus.STARTED
