"""A backfill launched from the Dagster UI: `mdw ui` is started on a loopback port, and the
backfill is launched through the webserver's GraphQL API, the call the UI's "Launch backfill"
button makes (job daily_refresh, its partition set, a range of delivery days). The daemon submits
one run per day, the queue runs them one at a time oldest first, and the published marts end as
of the last day of the range.
"""

from __future__ import annotations

import time

import duckdb
import pytest

from dagster_project.partitions import landing_days
from tests.conftest import settings_env, settings_under
from tests.handmade_landing import write_handmade_landing
from tests.servers import free_port, graphql, log_tail, mdw_server, wait_until_loaded

pytestmark = pytest.mark.e2e

TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

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
        runs = graphql(port, RUNS, {"backfill": backfill_id})["runsOrError"]["results"]
        if len(runs) == expected and all(run["status"] in TERMINAL for run in runs):
            return runs
        time.sleep(5)
    raise AssertionError(f"the backfill's runs did not finish in {timeout:.0f}s")


def test_a_backfill_launched_from_the_ui_runs_each_day_in_order(tmp_path):
    settings = settings_under(tmp_path)
    write_handmade_landing(settings.landing)
    days = landing_days(settings.landing)[-2:]
    port, log = free_port(), tmp_path / "ui.log"
    with mdw_server(["ui", "--port", str(port)], settings_env(settings), log) as server:
        wait_until_loaded(port, server, log)
        params = {"selector": {"partitionSetName": "daily_refresh_partition_set",
                               "repositorySelector": {"repositoryLocationName": "marketing_dw",
                                                      "repositoryName": "__repository__"}},
                  "partitionNames": days}
        launched = graphql(port, LAUNCH, {"params": params})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        runs = _backfill_runs(port, launched["backfillId"], expected=len(days))

    runs.sort(key=lambda run: run["startTime"])
    partitions = [{t["key"]: t["value"] for t in run["tags"]}["dagster/partition"] for run in runs]
    assert [run["status"] for run in runs] == ["SUCCESS"] * len(days), log_tail(log)
    assert {run["jobName"] for run in runs} == {"daily_refresh"}
    assert partitions == days  # oldest first
    assert runs[0]["endTime"] <= runs[1]["startTime"]  # one at a time
    with duckdb.connect(str(settings.serving), read_only=True) as con:
        as_of, run_id = con.execute("select as_of_date, run_id from _publish.run").fetchone()
    assert (str(as_of), run_id) == (days[-1], runs[-1]["runId"])
