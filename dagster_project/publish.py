"""Write-audit-publish, the publish step: copy the checked tables into a new serving DuckDB file
and rename it over MDW_SERVING in one atomic step.

BI readers hold the serving file open read-only. os.replace swaps the directory entry: a reader
that opened the old file keeps reading the old, complete version; the next open sees the new,
complete one. Nobody sees a mix, and the refresh never waits for a reader.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.config import connect_duckdb

# What BI reads: every segment mart, and the core tables the marts are explained by.
PUBLISHED_CORE_TABLES = ("dim_customers", "fct_orders", "fct_order_items", "fct_touchpoints",
                         "customer_last_contact", "customer_key_history")
# Facts dbt builds incrementally (each row carries _staged_at, when the build that wrote it started),
# with their keys: a publish carries their served rows over and copies only the rows written since
# the served version (and drops the keys the warehouse no longer has), instead of every row.
CARRIED_OVER = {"fct_orders": "order_id", "fct_order_items": "order_item_id", "fct_touchpoints": "touchpoint_id",
                "mart_order_contribution": "order_id"}


def published_row_counts(serving: Path) -> dict[str, int]:
    """Row counts of the tables in the current serving file ({} when nothing was published yet)."""
    if not serving.exists():
        return {}
    with duckdb.connect(str(serving), read_only=True) as con:
        return dict(con.execute("select table_name, row_count from _publish.published_tables").fetchall())


def remove_stale_staging_files(serving: Path) -> list[Path]:
    """Temporary serving files a killed publish left behind (only call while holding the
    warehouse: then no other publish is writing one)."""
    stale = sorted(serving.parent.glob(f".{serving.name}.*.tmp*")) if serving.parent.is_dir() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def publish(warehouse: Path, serving: Path, run_id: str, checks: list[dict],
            duckdb_config: dict[str, str | int] | None = None) -> dict[str, int]:
    """Build the new serving file beside the old one from the marts and PUBLISHED_CORE_TABLES of
    the DuckDB database `warehouse`, then swap it in; returns rows per table. The new file starts as
    a copy of the served one, so the CARRIED_OVER facts only take their changes."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging_files(serving)
    staging_file = serving.with_name(f".{serving.name}.{run_id[:8]}.tmp")
    staging_file.unlink(missing_ok=True)
    if serving.exists():
        shutil.copyfile(serving, staging_file)
    counts: dict[str, int] = {}
    try:
        with connect_duckdb(staging_file, duckdb_config) as con:
            con.execute(f"attach '{warehouse}' as warehouse (read_only)")
            # tables of the DuckDB warehouse; on Spark, views over the run's Parquet (serving_parquet.py)
            marts = [row[0] for row in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'warehouse' "
                "and table_schema = 'marts' order by table_name").fetchall()]
            tables = [("marts", name) for name in marts] + [("core", name) for name in PUBLISHED_CORE_TABLES]
            served = {row[0] for row in con.execute("select table_name from duckdb_tables() where "
                                                    "database_name = current_database() and schema_name = 'main'").fetchall()}
            for name in sorted(served - {name for _, name in tables}):  # no longer published
                con.execute(f"drop table main.{name}")
            con.execute("drop schema if exists _publish cascade")
            # one flat namespace for BI (`select * from mart_customer_profile`): the serving file is
            # called marts.duckdb, so a schema named marts would be ambiguous with its catalog
            for schema, name in tables:
                if not (name in served and _carry_over(con, f"warehouse.{schema}.{name}", name)):
                    con.execute(f"create or replace table main.{name} as select * from warehouse.{schema}.{name}")
                counts[name] = con.execute(f"select count(*) from main.{name}").fetchone()[0]
            as_of = con.execute("select max(as_of_date) from main.mart_customer_profile").fetchone()[0]
            con.execute("detach warehouse")
            con.execute("create schema _publish")
            con.execute("create table _publish.published_tables (table_name varchar, row_count bigint)")
            con.executemany("insert into _publish.published_tables values (?, ?)", list(counts.items()))
            con.execute("create table _publish.run (run_id varchar, published_at timestamp, as_of_date date, "
                        "check_results json)")
            con.execute("insert into _publish.run values (?, ?, ?, ?)",
                        [run_id, datetime.now(UTC).replace(tzinfo=None), as_of, json.dumps(checks)])
            con.execute("checkpoint")
        os.replace(staging_file, serving)
    finally:
        staging_file.unlink(missing_ok=True)
    return counts


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> list[tuple[str, str]]:
    return con.execute("select column_name, data_type from information_schema.columns where table_catalog = ? "
                       "and table_schema = ? and table_name = ? order by ordinal_position",
                       [catalog, schema, name]).fetchall()


def _carry_over(con: duckdb.DuckDBPyConnection, source: str, name: str) -> bool:
    """Bring served table `name` (a CARRIED_OVER fact) up to `source`: delete the keys written
    since the served version or gone, insert the rows written since. False (nothing done) for any
    other table, when the served table has other columns than the source (a schema change) or no
    _staged_at, or when more than half its rows were written since (after a full refresh)."""
    key = CARRIED_OVER.get(name)
    catalog, schema, table = source.split(".")
    served = _columns(con, con.execute("select current_database()").fetchone()[0], "main", name)
    if key is None or served != _columns(con, catalog, schema, table) or ("_staged_at", "TIMESTAMP") not in served:
        return False
    since, served_rows = con.execute(f"select max(_staged_at), count(*) from main.{name}").fetchone()
    if since is None:
        return False
    written = con.execute(f"select count(*) from {source} where _staged_at > ?", [since]).fetchone()[0]
    if 2 * written > served_rows:  # mostly rewritten (a full refresh): copying is cheaper
        return False
    con.execute(f"""delete from main.{name} where {key} not in (select {key} from {source})
                    or {key} in (select {key} from {source} where _staged_at > ?)""", [since])
    con.execute(f"insert into main.{name} select * from {source} where _staged_at > ?", [since])
    return True
