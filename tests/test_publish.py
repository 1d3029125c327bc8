"""The serving file is swapped whole: a reader in another process always sees one complete,
consistent version, and never blocks (or is blocked by) a publish."""

import json
import subprocess
import sys
import textwrap
import time

import duckdb

from dagster_project.publish import PUBLISHED_CORE_TABLES, publish, published_row_counts

READER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import duckdb
    serving, stop = Path(sys.argv[1]), Path(sys.argv[2])
    reads, runs, inconsistent, errors = 0, set(), 0, []
    while not stop.exists():
        try:
            with duckdb.connect(str(serving), read_only=True) as con:
                run_id = con.execute("select run_id from _publish.run").fetchone()[0]
                profiles = con.execute("select count(*) from mart_customer_profile").fetchone()[0]
                customers = con.execute("select count(*) from dim_customers").fetchone()[0]
                recorded = con.execute("select row_count from _publish.published_tables "
                                       "where table_name = 'mart_customer_profile'").fetchone()[0]
                tag = con.execute("select max(tag) from mart_customer_profile").fetchone()[0]
        except Exception as error:  # any failure to open or read is a finding
            errors.append(repr(error))
            continue
        reads += 1
        runs.add(run_id)
        # one version: row counts agree across tables and with the record, and the rows carry the
        # tag of the run that the record names
        if not (profiles == customers == recorded and run_id.endswith(tag)):
            inconsistent += 1
    print(json.dumps({"reads": reads, "runs": sorted(runs), "inconsistent": inconsistent, "errors": errors}))
""")


def _warehouse(path, rows: int, tag: str) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema core")
        con.execute(f"create table marts.mart_customer_profile as select i as customer_key, "
                    f"date '2026-01-31' as as_of_date, '{tag}' as tag from range({rows}) as r(i)")
        for name in PUBLISHED_CORE_TABLES:
            con.execute(f"create table core.{name} as select i as customer_key from range({rows}) as r(i)")


def test_reader_always_sees_one_complete_version_while_publishing(tmp_path):
    small, large = tmp_path / "small.duckdb", tmp_path / "large.duckdb"
    _warehouse(small, 1_000, "small")
    _warehouse(large, 200_000, "large")
    serving, stop = tmp_path / "marts.duckdb", tmp_path / "stop"
    publish(small, serving, "run-0-small", checks=[])
    reader = subprocess.Popen([sys.executable, "-c", READER, str(serving), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        for i in range(1, 9):
            tag = "large" if i % 2 else "small"
            publish(large if i % 2 else small, serving, f"run-{i}-{tag}", checks=[{"check": "c", "passed": True}])
            time.sleep(0.3)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err[-2000:]
    seen = json.loads(out)
    assert seen["errors"] == []
    assert seen["inconsistent"] == 0
    assert seen["reads"] > 10
    assert len(seen["runs"]) >= 3  # the reader saw several versions come and go
    assert published_row_counts(serving)["mart_customer_profile"] == 1_000  # the last publish (run 8, small)
