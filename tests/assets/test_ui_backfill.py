"""A backfill launched from the Dagster UI: `mdw ui` is started on a loopback port, and the
backfill is launched through the webserver's GraphQL API, the call the UI's "Launch backfill"
button makes (job daily_refresh, its partition set, a range of delivery days). The daemon submits
one run per day, the queue runs them one at a time oldest first, and the published marts end as
of the last day of the range.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from dagster_project.partitions import landing_days
from tests.conftest import settings_env, settings_under
from tests.handmade_landing import write_handmade_landing

pytestmark = pytest.mark.e2e

TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def _wait_until_loaded(port: int, server: subprocess.Popen, timeout: float = 180) -> None:
    query = """{ workspaceOrError { ... on Workspace { locationEntries { name
                 locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, "mdw ui exited"
        try:
            entries = _graphql(port, query)["workspaceOrError"]["locationEntries"]
        except OSError:
            entries = []
        loaded = {e["name"]: e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]}
        if "marketing_dw" in loaded:
            assert loaded["marketing_dw"]["__typename"] == "RepositoryLocation", loaded["marketing_dw"]
            return
        time.sleep(2)
    raise AssertionError(f"the code location did not load in {timeout:.0f}s")


LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}"""

RUNS = """
query($backfill: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $backfill}]}) {
    ... on Runs { results { runId jobName status startTime endTime tags { key value } } }
  }
}"""


def _backfill_runs(port: int, backfill_id: str, expected: int, timeout: float = 900) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _graphql(port, RUNS, {"backfill": backfill_id})["runsOrError"]["results"]
        if len(runs) == expected and all(run["status"] in TERMINAL for run in runs):
            return runs
        time.sleep(5)
    raise AssertionError(f"the backfill's runs did not finish in {timeout:.0f}s")


def test_a_backfill_launched_from_the_ui_runs_each_day_in_order(tmp_path):
    settings = settings_under(tmp_path)
    write_handmade_landing(settings.landing)
    days = landing_days(settings.landing)[-2:]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "mdw.cli", "ui", "--port", str(port)],
                              env=settings_env(settings), stdout=(tmp_path / "ui.log").open("w"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_loaded(port, server)
        params = {"selector": {"partitionSetName": "daily_refresh_partition_set",
                               "repositorySelector": {"repositoryLocationName": "marketing_dw",
                                                      "repositoryName": "__repository__"}},
                  "partitionNames": days}
        launched = _graphql(port, LAUNCH, {"params": params})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        runs = _backfill_runs(port, launched["backfillId"], expected=len(days))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)

    runs.sort(key=lambda run: run["startTime"])
    partitions = [{t["key"]: t["value"] for t in run["tags"]}["dagster/partition"] for run in runs]
    assert [run["status"] for run in runs] == ["SUCCESS"] * len(days), _log_tail(tmp_path / "ui.log")
    assert {run["jobName"] for run in runs} == {"daily_refresh"}
    assert partitions == days  # oldest first
    assert runs[0]["endTime"] <= runs[1]["startTime"]  # one at a time
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        as_of, run_id = con.execute("select as_of_date, run_id from _publish.run").fetchone()
    assert (str(as_of), run_id) == (days[-1], runs[-1]["runId"])


def _log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]
