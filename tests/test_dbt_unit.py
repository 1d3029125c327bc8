"""The dbt unit tests (`dbt/models/**/_*__unit_tests.yml`: tricky SQL on tiny rows) in the fast tier.

A unit test needs its model's parents to exist for their column types, not their rows: the raw
tables are created empty, the seeds loaded, every model built with `--empty` (no rows read), then
only the unit tests run.
"""

import os
import subprocess

import duckdb

from dagster_project.config import DBT_PROJECT_DIR
from dagster_project.dbt_child import real_dbt
from dagster_project.ingest.manifest import ensure_raw_schema


def _dbt(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([real_dbt(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                           str(DBT_PROJECT_DIR)], env=env, capture_output=True, text=True, timeout=600)


def test_dbt_unit_tests_pass(tmp_path):
    warehouse = tmp_path / "unit.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
    env = {**os.environ, "MDW_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(tmp_path / "target"), "DBT_LOG_PATH": str(tmp_path / "logs")}
    for step in (("seed",), ("run", "--empty")):  # seeds whole: unit tests read the seeds they do not mock
        built = _dbt(*step, env=env)
        assert built.returncode == 0, built.stdout[-3000:]
    tested = _dbt("test", "--select", "test_type:unit", env=env)
    assert tested.returncode == 0, tested.stdout[-3000:]
    passed = [line for line in tested.stdout.splitlines() if " PASS " in line]
    assert len(passed) >= 23, tested.stdout[-3000:]  # every unit test ran (23 when this was written)
