"""Write-audit-publish on Spark (MDW_ENGINE=spark): the served tables as Parquet files.

On Spark the models live in Spark's catalog. Each dbt step of a run, and each table fitted in
Python, writes the tables it built that are served or audited (`snapshot_relations`) into the run's
staging folder as Parquet, one folder per table named `<schema>.<table>` (`python -m
dagster_project.spark snapshot`). The Great Expectations suites on those tables read the staging
folder through DuckDB views (`audit_database`): they check the very files that will be served.
The publish builds the DuckDB serving file (MDW_SERVING, which the dashboard reads) from the same
views, renames the staging folder to `runs/<run_id>` and swaps the `current` link onto it, in one
atomic step: BI tools and the exports read `<serving>_parquet/current/<schema>.<table>/`.

    data/marts_parquet/
      current -> runs/<run_id>          the published tables
      runs/<run_id>/marts.mart_customer_profile/part-*.parquet
      .staging-<run_id>/...             a run's tables until its publish (a re-execution's: its first run's)

On DuckDB none of this runs: the checks read the warehouse and the publish copies from it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.publish import PUBLISHED_CORE_TABLES
from expectations.suites import SUITES

# read by a Great Expectations suite (a blocking check before the publish) besides the served tables
AUDITED_TABLES = frozenset(relation for suite in SUITES if not suite.table.startswith("raw.")
                           for relation in (suite.table, *suite.reads))


def snapshot_relations(relations: list[str]) -> list[str]:
    """Of these `<schema>.<table>` relations, the ones a Spark run writes into its staging folder:
    every mart, the published core tables and the tables a suite audits."""
    return sorted(r for r in relations if r.startswith("marts.") or r in AUDITED_TABLES
                  or r in {f"core.{name}" for name in PUBLISHED_CORE_TABLES})


def parquet_root(serving: Path) -> Path:
    """`data/marts.duckdb` -> `data/marts_parquet`: the served Parquet tables beside the serving file."""
    return serving.with_name(f"{serving.stem}_parquet")


def staging_folder(serving: Path, run_id: str) -> Path:
    return parquet_root(serving) / f".staging-{run_id}"


def staging_run_id(run: Any) -> str:
    """The run a Dagster run stages under: the first of its re-executions (a run re-executed from
    a failed check keeps the tables its parent staged, which it does not build again)."""
    return run.root_run_id or run.run_id


def current_folder(serving: Path) -> Path:
    return parquet_root(serving) / "current"


def create_views(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """A view `<schema>.<table>` over the Parquet files of each table folder under `folder`; the
    relations, sorted."""
    relations = []
    for table in sorted(p for p in folder.iterdir() if p.is_dir() and "." in p.name) if folder.is_dir() else []:
        schema, name = table.name.split(".", 1)
        files = str(table / "*.parquet").replace("'", "''")
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(f'create or replace view "{schema}"."{name}" as select * from read_parquet(\'{files}\')')
        relations.append(table.name)
    return relations


def audit_database(serving: Path, run_id: str) -> Path:
    """A DuckDB file of views over the run's staging folder, made again on every call (a later
    step adds tables), for the suites and the publish to read."""
    staging = staging_folder(serving, run_id)
    database = staging.with_name(f"{staging.name}.duckdb")
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        create_views(con, staging)
    return database


def audited_relations(database: Path) -> set[str]:
    """The `<schema>.<table>` views of an audit database."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {f"{schema}.{name}" for schema, name in con.execute(
            "select schema_name, view_name from duckdb_views() where not internal").fetchall()}


def swap_in(serving: Path, run_id: str) -> Path:
    """Publish the run's staging folder: rename it to `runs/<run_id>`, then point `current` at it
    by renaming a new link over the old one (atomic: a reader sees the old tables or the new, never
    a mix). The run published before stays for readers still on it; older runs, and what runs that
    died before their publish left, go (call while holding the warehouse: no other run is staging)."""
    root = parquet_root(serving)
    final = root / "runs" / run_id
    final.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(final, ignore_errors=True)
    staging_folder(serving, run_id).rename(final)
    current = current_folder(serving)
    previous = Path(os.readlink(current)).name if current.is_symlink() else None
    link = root / f".current-{run_id}"
    link.unlink(missing_ok=True)
    link.symlink_to(Path("runs") / run_id, target_is_directory=True)
    os.replace(link, current)
    for old in (root / "runs").iterdir():
        if old.name not in {run_id, previous}:
            shutil.rmtree(old)
    for stale in root.glob(".staging-*"):
        shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    return final
