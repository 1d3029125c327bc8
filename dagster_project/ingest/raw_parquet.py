"""The raw layer as Parquet files, for an engine other than the embedded DuckDB (MDW_ENGINE=spark).

Why it is built this way (docs/scale-out.md):
- One loader for every engine. The landing contract (line numbers, quarantine, the load manifest,
  idempotent re-delivery, retraction) is enforced by the DuckDB loader, whatever engine builds the
  models; the raw tables it keeps are then written out as Parquet, which Spark (or any engine)
  reads as external tables. The loader's DuckDB file stays the raw layer's own bookkeeping.
- One file per raw table and delivery day: `<root>/<table>/<day>.parquet`. A load that touches a
  day (a new file, a re-delivery, a retraction, a restore) rewrites that day's file from the raw
  rows as they now are, and a day left with no rows loses its file. Without Delta or Iceberg a
  Parquet table cannot take DELETE or MERGE; replacing one day's file is the partition overwrite.
  Each file is written beside its final name as a hidden file (`.<day>.parquet.tmp`: Spark skips
  names starting with a dot) and renamed over it, so a reader sees the old day or the new one.
- What to rewrite comes from the load manifest: every file with a manifest row newer than the
  last sync (`<root>/_synced_through`, written last). A sync that stops half-way leaves that mark
  where it was, and the next sync redoes the same days: the result is the same.
- The load manifest and the quarantine are small: each is written whole (`all.parquet`).
- Types Spark reads as the DuckDB tables mean them: timestamps (UTC) as instants, JSON as text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_project.ingest.contract import FEEDS
from dagster_project.ingest.manifest import MANIFEST, QUARANTINE
from dagster_project.ingest.rules import ident

SYNC_MARK = "_synced_through"
WHOLE_FILE = "all.parquet"
EMPTY_FILE = "empty.parquet"  # a table with no row yet still has its columns: Spark infers them from it


@dataclass
class SyncResult:
    days: dict[str, list[str]] = field(default_factory=dict)  # raw table -> delivery days rewritten
    files_written: int = 0
    files_removed: int = 0


def raw_tables_by_source() -> dict[str, list[str]]:
    return {source: [t.name for ff in feed_files for t in ff.tables] for source, feed_files in FEEDS.items()}


def _select_list(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The relation's columns, timestamps as UTC instants and JSON as text (Parquet types Spark reads alike)."""
    columns = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    out = []
    for name, data_type in columns:
        column = ident(name)
        if data_type == "TIMESTAMP":
            out.append(f"cast({column} as timestamptz) as {column}")
        elif data_type == "JSON":
            out.append(f"cast({column} as varchar) as {column}")
        else:
            out.append(column)
    return ", ".join(out)


def _write(con: duckdb.DuckDBPyConnection, query: str, params: list, target: Path, keep_empty: bool = False) -> int:
    """Write the query's rows to `target` (beside it first, then renamed over it); returns the row
    count. With no rows and not keep_empty, nothing is left behind and `target` is untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.tmp")
    rows = con.execute(f"copy ({query}) to '{scratch}' (format parquet)", params).fetchone()[0]
    if rows or keep_empty:
        os.replace(scratch, target)
    else:
        scratch.unlink()
    return rows


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def sync_raw_parquet(con: duckdb.DuckDBPyConnection, root: Path) -> SyncResult:
    """Bring the Parquet raw layer under `root` up to date with the raw tables of `con`."""
    root.mkdir(parents=True, exist_ok=True)
    mark_file = root / SYNC_MARK
    synced_through = mark_file.read_text().strip() if mark_file.exists() else None
    con.execute("set TimeZone = 'UTC'")
    newest, = con.execute(f"select cast(max(loaded_at) as varchar) from {MANIFEST}").fetchone()
    touched = con.execute(
        f"select distinct source, split_part(file_path, '/', 2) as day from {MANIFEST}"
        " where ? is null or loaded_at > cast(? as timestamp) order by source, day",
        [synced_through, synced_through]).fetchall()
    result = SyncResult()
    tables = raw_tables_by_source()
    columns = {t: _select_list(con, f"raw.{ident(t)}") for source_tables in tables.values() for t in source_tables}
    for source, day in touched:
        for table in tables.get(source, []):
            target = root / table / f"{day}.parquet"
            query = (f"select {columns[table]} from raw.{ident(table)} where _source_file like ? "
                     "order by _source_file, _source_line")
            if _write(con, query, [f"{source}/{day}/%"], target):
                result.files_written += 1
            else:  # no row of that day left: no file
                result.files_removed += _remove(target)
            result.days.setdefault(table, []).append(day)
    for table, select_list in columns.items():
        _keep_columns(con, root / table, f"select {select_list} from raw.{ident(table)} limit 0", result)
    for relation in (MANIFEST, QUARANTINE):
        _write(con, f"select {_select_list(con, relation)} from {relation} order by all", [],
               root / relation.split(".")[1] / WHOLE_FILE, keep_empty=True)
        result.files_written += 1
    if newest is not None:
        mark_file.write_text(newest)
    return result


def _keep_columns(con: duckdb.DuckDBPyConnection, folder: Path, no_rows: str, result: SyncResult) -> None:
    """A table folder holds an empty file with the table's columns exactly while it has no day file."""
    days = [p for p in folder.glob("*.parquet") if p.name != EMPTY_FILE] if folder.exists() else []
    if days:
        result.files_removed += _remove(folder / EMPTY_FILE)
    elif not (folder / EMPTY_FILE).exists():
        _write(con, no_rows, [], folder / EMPTY_FILE, keep_empty=True)
        result.files_written += 1
