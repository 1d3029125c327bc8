"""The raw schema's bookkeeping: its tables, the quarantine, the load manifest, and retraction.

The load manifest (`raw.load_manifest`) records every load of every landing file: one row per
file per load, with its size, content hash, row counts and `status`. A file's *state* is the
status of its latest `loaded`, `replaced`, `retracted` or `restored` row (a `failed` load leaves
the state as it was, so a failed re-delivery keeps the good rows); the loader compares a file's
content hash with its state to skip, replace or leave out a file.
"""

from __future__ import annotations

import uuid
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple

import duckdb

from dagster_project.ingest.contract import FEEDS, FeedFile, RawTable

MANIFEST = "raw.load_manifest"
QUARANTINE = "raw.quarantine"


class FileStatus(StrEnum):
    """What a load did with a file (the manifest's `status`, and FileOutcome.status)."""

    LOADED = "loaded"  # first load of the file
    REPLACED = "replaced"  # new content of a loaded file: its rows replaced the earlier version's
    SKIPPED = "skipped"  # already loaded with the same content (never written to the manifest)
    RETRACTED = "retracted"  # taken out with `mdw retract`; left out while its content is unchanged
    RESTORED = "restored"  # retraction undone: the next load loads it again
    FAILED = "failed"  # could not be read as the contract says; nothing of it loaded


# statuses that set a file's state
STATES = (FileStatus.LOADED, FileStatus.REPLACED, FileStatus.RETRACTED, FileStatus.RESTORED)


@dataclass(frozen=True)
class ManifestRow:
    """One row of the load manifest, in its column order."""

    file_path: str
    source: str
    feed_file: str
    size_bytes: int | None
    content_hash: str | None
    rows_loaded: int
    rows_quarantined: int
    status: FileStatus
    error: str | None
    load_id: str
    loaded_at: datetime
    modified_at: datetime | None


class FileState(NamedTuple):
    status: FileStatus
    content_hash: str | None
    size_bytes: int | None
    modified_at: datetime | None


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, its tables, the quarantine and the manifest if missing, and add
    manifest columns that older warehouses lack."""
    con.execute("create schema if not exists raw")
    con.execute(f"""
        create table if not exists {MANIFEST} (
            file_path varchar not null, source varchar not null, feed_file varchar not null,
            size_bytes bigint, content_hash varchar, rows_loaded bigint, rows_quarantined bigint,
            status varchar not null, error varchar, load_id varchar not null, loaded_at timestamp not null
        )""")
    con.execute(f"alter table {MANIFEST} add column if not exists modified_at timestamp")
    con.execute(f"""
        create table if not exists {QUARANTINE} (
            source varchar not null, raw_table varchar not null, source_file varchar not null,
            source_line bigint, raw_text varchar, reason varchar not null,
            load_id varchar not null, loaded_at timestamp not null
        )""")
    for feed_files in FEEDS.values():
        for feed_file in feed_files:
            for table in feed_file.tables:
                cols = [f"{c} varchar" for c in raw_columns(feed_file, table)]
                cols += ["_source_file varchar not null", "_source_line bigint not null",
                         "_load_id varchar not null", "_loaded_at timestamp not null", "_extra json"]
                con.execute(f"create table if not exists raw.{table.name} ({', '.join(cols)})")


def raw_columns(feed_file: FeedFile, table: RawTable) -> list[str]:
    """The data columns of a raw table: its fields; a child table's start with its parent's
    required fields and the item number."""
    if table.array_path is None:
        return [f.name for f in table.fields]
    parent_keys = [f.name for f in feed_file.table.fields if f.required]
    return [*parent_keys, "item_number", *(f.name for f in table.fields)]


def record(con, rows: list[ManifestRow]) -> None:
    """Append rows to the manifest (inside the caller's transaction, if any)."""
    if rows:
        names = [f.name for f in fields(ManifestRow)]
        con.executemany(f"insert into {MANIFEST} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                        [astuple(row) for row in rows])


def latest_states(con, feed_file: FeedFile) -> dict[str, FileState]:
    """Each file's state: the status, content hash, size and modification time of its latest row
    that sets a state."""
    rows = con.execute(f"""
        select file_path, status, content_hash, size_bytes, modified_at from {MANIFEST}
        where source = ? and feed_file = ? and list_contains(?::varchar[], status)
        qualify row_number() over (partition by file_path order by loaded_at desc) = 1
    """, [feed_file.source, feed_file.filename, list(STATES)]).fetchall()
    return {path: FileState(FileStatus(status), digest, size, modified)
            for path, status, digest, size, modified in rows}


def retract(con: duckdb.DuckDBPyConnection, target_rel: str, reason: str, undo: bool = False) -> list[str]:
    """Take a delivered file, or every file of a day folder, out of the warehouse; or undo that.

    `target_rel` is a landing file or day folder relative to the landing folder (e.g.
    `orders/2026-01-03/orders.jsonl` or `orders/2026-01-03`), matched against the manifest, so the
    landing file may be gone already. Retracting deletes, in one transaction, the files' rows from
    every raw table of their feed and from the quarantine, and records `retracted` with the content
    hash of the file's latest delivered version and `reason` (in `error`); the loader leaves the
    file out while its content is unchanged. Undo records `restored` (nothing is deleted) for
    retracted files, so that the next load loads them again. Returns the file paths.
    """
    ensure_raw_schema(con)
    target = target_rel.strip().strip("/")
    found = con.execute(f"""
        select file_path, any_value(source), any_value(feed_file),
            arg_max_null(size_bytes, loaded_at), arg_max_null(content_hash, loaded_at),
            arg_max_null(modified_at, loaded_at),
            arg_max(status, loaded_at) filter (where list_contains(?::varchar[], status))
        from {MANIFEST}
        where file_path = ? or starts_with(file_path, ? || '/')
        group by file_path
        order by file_path
    """, [list(STATES), target, target]).fetchall()
    if undo:
        found = [f for f in found if f[6] == FileStatus.RETRACTED]
    if not found:
        raise ValueError(f"no {'retracted ' if undo else ''}file in the load manifest matches '{target}'")
    status = FileStatus.RESTORED if undo else FileStatus.RETRACTED
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    load_id = uuid.uuid4().hex
    rows = [ManifestRow(path, source, feed_file, size, digest, 0, 0, status, reason, load_id, loaded_at, modified_at)
            for path, source, feed_file, size, digest, modified_at, _ in found]
    paths = [row.file_path for row in rows]
    feeds = {(row.source, row.feed_file) for row in rows}
    tables = [t.name for ffs in FEEDS.values() for ff in ffs if (ff.source, ff.filename) in feeds for t in ff.tables]
    con.execute("begin transaction")
    try:
        if not undo:
            for table in tables:
                con.execute(f"delete from raw.{table} where _source_file in (select unnest(?::varchar[]))", [paths])
            con.execute(f"delete from {QUARANTINE} where source_file in (select unnest(?::varchar[]))", [paths])
        record(con, rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return paths
