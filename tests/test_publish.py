"""The serving file is swapped whole: a reader in another process always sees one complete,
consistent version, and never blocks (or is blocked by) a publish."""

import json
import subprocess
import sys
import textwrap
import time

import duckdb

from dagster_project.publish import CARRIED_OVER, PUBLISHED_CORE_TABLES, publish, published_row_counts

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


def test_a_publish_carries_served_facts_over_and_takes_only_their_changes(tmp_path):
    """The facts in CARRIED_OVER are brought up to date from the served copy (rows written since the
    served version replaced, keys gone deleted): the result equals a publish from scratch, except for
    a mark put into a served fact row the build did not touch, which stays (the row was carried
    over, not copied again; a mark in a table that is not carried over is overwritten). A table no
    longer in the warehouse leaves the serving file; a fact whose columns changed, or whose rows
    were mostly rewritten (a full refresh), is copied whole."""
    warehouse, serving, fresh = tmp_path / "warehouse.duckdb", tmp_path / "marts.duckdb", tmp_path / "fresh.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
        con.execute("create schema core")
        con.execute("create table marts.mart_customer_profile as select 1 as customer_key, date '2026-01-31' as as_of_date")
        con.execute("create table marts.mart_retired as select 1 as x")
        for name in PUBLISHED_CORE_TABLES:
            key = CARRIED_OVER.get(name, "customer_key")
            con.execute(f"create table core.{name} as select 'k' || i as {key}, i as amount, "
                        "timestamp '2026-01-01 06:00' as _staged_at from range(5) as r(i)")
    publish(warehouse, serving, "run-1", checks=[])
    with duckdb.connect(str(serving)) as con:  # marks: kept where a table is carried over, not copied
        con.execute("update fct_order_items set amount = -1 where order_item_id = 'k0'")
        con.execute("update dim_customers set amount = -1 where customer_key = 'k0'")
    with duckdb.connect(str(warehouse)) as con:  # the next build: k1 rewritten, k2 gone, k9 new
        con.execute("delete from core.fct_orders where order_id in ('k1', 'k2')")
        con.execute("insert into core.fct_orders values ('k1', 100, timestamp '2026-01-02 06:00'), "
                    "('k9', 9, timestamp '2026-01-02 06:00')")
        con.execute("alter table core.fct_touchpoints add column channel varchar")
        con.execute("update core.fct_touchpoints set channel = 'web'")
        con.execute("drop table marts.mart_retired")
    counts = publish(warehouse, serving, "run-2", checks=[])
    publish(warehouse, fresh, "run-2", checks=[])
    with duckdb.connect(str(serving), read_only=True) as served, duckdb.connect(str(fresh), read_only=True) as scratch:
        for name in ["mart_customer_profile", *PUBLISHED_CORE_TABLES]:
            if name != "fct_order_items":
                query = f"select * from {name} order by all"
                assert served.execute(query).fetchall() == scratch.execute(query).fetchall(), name
        assert served.execute("select amount from fct_order_items where order_item_id = 'k0'").fetchall() == [(-1,)]
        assert served.execute("select order_id, amount from fct_orders order by 1").fetchall() == \
            [("k0", 0), ("k1", 100), ("k3", 3), ("k4", 4), ("k9", 9)]
        assert served.execute("select distinct channel from fct_touchpoints").fetchall() == [("web",)]
        tables = {row[0] for row in served.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        assert "mart_retired" not in tables
    assert counts["fct_orders"] == 5
    with duckdb.connect(str(warehouse)) as con:  # a full refresh rewrites every row: copied whole
        con.execute("update core.fct_order_items set _staged_at = timestamp '2026-01-03 06:00'")
    publish(warehouse, serving, "run-3", checks=[])
    with duckdb.connect(str(serving), read_only=True) as served:
        assert served.execute("select amount from fct_order_items where order_item_id = 'k0'").fetchall() == [(0,)]
