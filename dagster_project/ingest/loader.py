"""Load landing files into the raw schema of the DuckDB warehouse.

Why it is built this way:
- DuckDB's own readers do the work (`csv_reader`: read_csv with stored rejects; `jsonl_reader`:
  read_csv as one text column for exact line numbers, then from_json); Python only lists, hashes
  and checks files (`files`), never loops over rows.
- Column and key names are data, never SQL: CSV columns are read by position and matched to the
  contract by the header row; names beyond the contract go to `_extra` as delivered.
- Every raw row keeps its lineage: file (relative to the landing folder), line, load id, time.
- The load manifest (`manifest`) makes loading idempotent: a file already loaded with the same
  content hash is skipped; a re-delivered file with new content replaces exactly its own rows. A
  file taken out with `retract` stays out until its content changes or the retraction is undone.
- New or changed files load in batches (about 256 MB of input each), one transaction per batch, so
  each file loads atomically: its raw rows, quarantined rows and manifest row commit together or
  not at all, and memory stays bounded at scale 10. If a batch fails, its files load one by one.
- Rows that break a rule of `rules` (an id missing, a value that does not parse, a nested field of
  the wrong shape) go to raw.quarantine with file, line, raw text and reason.
- A file that cannot be read as the contract says (encoding, missing required column, a line
  over 16 MB, anything DuckDB cannot read) is recorded `failed` with the reason, naming the file
  and the column, line or byte offset; nothing of it is loaded and the other files still load.
  Optional columns a CSV leaves out load as null (FileOutcome.missing_columns).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest import manifest
from dagster_project.ingest.contract import FeedFile
from dagster_project.ingest.csv_reader import stage_csv
from dagster_project.ingest.files import LandingFile, LandingFileError, check_file, find_files
from dagster_project.ingest.jsonl_reader import stage_jsonl
from dagster_project.ingest.manifest import QUARANTINE, FileStatus, ManifestRow
from dagster_project.ingest.rules import ident

DEFAULT_BATCH_BYTES = 256 * 1024 * 1024

# What a file's content (or its disappearance) can make DuckDB raise while loading it: the file is
# recorded `failed`. Other errors (an SQL bug, a locked warehouse) stop the load.
FILE_ERRORS = (LandingFileError, duckdb.InvalidInputException, duckdb.DataError, duckdb.IOException,
               duckdb.OutOfMemoryException)
STAGED_TABLES = ("_files", "_lines", "_parsed", "_rows", "_items", "_item_problems", "_rejects")


@dataclass
class FileOutcome:
    path: str
    status: FileStatus
    rows: int = 0
    quarantined: int = 0
    error: str | None = None
    missing_columns: tuple[str, ...] = ()


@dataclass
class FeedFileResult:
    feed_file: FeedFile
    files: list[FileOutcome] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows inserted this run
    quarantined: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == FileStatus.FAILED]

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)


@dataclass(frozen=True)
class _Load:
    """One load of one feed file: what every manifest row and raw row of it carries."""

    feed_file: FeedFile
    load_id: str
    loaded_at: datetime

    def manifest_row(self, file: LandingFile, status: FileStatus, rows: int = 0, quarantined: int = 0,
                     error: str | None = None) -> ManifestRow:
        return ManifestRow(file.rel, self.feed_file.source, self.feed_file.filename, file.size, file.content_hash,
                           rows, quarantined, status, error, self.load_id, self.loaded_at, file.modified_at)


def ingest_feed_file(con: duckdb.DuckDBPyConnection, landing: Path, feed_file: FeedFile,
                     load_id: str | None = None, batch_bytes: int = DEFAULT_BATCH_BYTES,
                     through_day: str | None = None) -> FeedFileResult:
    """Load every new or changed file of one kind (e.g. crm contacts.csv) under `landing`, from
    the day folders up to `through_day` when given (a daily partition: later days wait).

    Files load in batches of about `batch_bytes` of input, one transaction each, so memory stays
    bounded at any scale; a file is never split across batches. A file that cannot be loaded is
    recorded `failed` in the manifest and the others still load.
    """
    started = time.perf_counter()
    load = _Load(feed_file, load_id or uuid.uuid4().hex, datetime.now(UTC).replace(tzinfo=None))
    result = FeedFileResult(feed_file, rows={t.name: 0 for t in feed_file.tables})
    # rows carry their file and line, so their physical order does not matter: let DuckDB
    # parallelise the inserts instead of preserving it
    con.execute("set preserve_insertion_order = false")
    manifest.ensure_raw_schema(con)
    states = manifest.latest_states(con, feed_file)
    to_load: list[LandingFile] = []
    for path in find_files(landing, feed_file, through_day):
        rel = path.relative_to(landing).as_posix()
        state = states.get(rel)
        if state is not None and state.status != FileStatus.RESTORED and _as_recorded(path, state):
            # size and modification time as when it was loaded or retracted: not read again (the
            # quick check of rsync and make; a year of landing files is not re-hashed every day)
            result.files.append(FileOutcome(rel, FileStatus.RETRACTED if state.status == FileStatus.RETRACTED
                                            else FileStatus.SKIPPED))
            continue
        file = check_file(path, rel, feed_file)
        unchanged = state is not None and state.content_hash == file.content_hash
        if unchanged and state.status == FileStatus.RETRACTED:  # retracted, even if unreadable
            result.files.append(FileOutcome(file.rel, FileStatus.RETRACTED))
        elif file.error:
            result.files.append(_record_failure(con, load, file))
        elif unchanged and state.status in (FileStatus.LOADED, FileStatus.REPLACED):
            result.files.append(FileOutcome(file.rel, FileStatus.SKIPPED))
        else:
            file.replaced = state is not None and state.status in (FileStatus.LOADED, FileStatus.REPLACED)
            to_load.append(file)

    for batch in _batches(to_load, batch_bytes):
        result.files.extend(_load_batch(con, load, batch))
    loaded = [o.path for o in result.files if o.status in (FileStatus.LOADED, FileStatus.REPLACED)]
    result.quarantined = sum(o.quarantined for o in result.files)
    for table in feed_file.tables:
        if loaded:
            result.rows[table.name] = con.execute(
                f"select count(*) from raw.{table.name} where _load_id = ? and _source_file in "
                f"(select unnest(?::varchar[]))", [load.load_id, loaded]).fetchone()[0]
    result.seconds = time.perf_counter() - started
    return result


def _as_recorded(path: Path, state: manifest.FileState) -> bool:
    """The file's size and modification time are those the manifest recorded for its state."""
    try:
        stat = path.stat()
    except OSError:
        return False
    modified = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    return state.size_bytes == stat.st_size and state.modified_at == modified


def _batches(files: list[LandingFile], batch_bytes: int):
    batch, size = [], 0
    for f in files:
        if batch and size + f.size > batch_bytes:
            yield batch
            batch, size = [], 0
        batch.append(f)
        size += f.size
    if batch:
        yield batch


def _load_batch(con, load: _Load, files: list[LandingFile]) -> list[FileOutcome]:
    """Load files in one transaction; if that fails, load them one by one, so that a file that
    fails alone is recorded `failed` and the others still load."""
    try:
        return _load_files(con, load, files)
    except FILE_ERRORS as exc:
        if len(files) > 1:
            return [o for f in files for o in _load_batch(con, load, [f])]
        file = files[0]
        file.error = str(exc) if isinstance(exc, LandingFileError) else _duckdb_reason(exc, file)
        return [_record_failure(con, load, file)]


def _duckdb_reason(exc: duckdb.Error, file: LandingFile) -> str:
    """DuckDB's error in one line: `line N: what` for a reader error, else its first line."""
    first, *rest = str(exc).replace(str(file.path), file.rel).splitlines() or [""]
    first = re.sub(r"^[\w ]*Error: ", "", first).strip()
    if line := re.fullmatch(r"CSV Error on Line: (\d+)", first):
        what = next((r.strip() for r in rest if r.strip() and not r.startswith("Original Line:")), "unreadable")
        return f"line {line[1]}: {what}"
    return first[:500]


def _record_failure(con, load: _Load, file: LandingFile) -> FileOutcome:
    manifest.record(con, [load.manifest_row(file, FileStatus.FAILED, error=file.error)])
    return FileOutcome(file.rel, FileStatus.FAILED, error=f"{file.rel}: {file.error}")


def _load_files(con, load: _Load, files: list[LandingFile]) -> list[FileOutcome]:
    feed_file = load.feed_file
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table _files (abs_path varchar, rel_path varchar)")
        con.executemany("insert into _files values (?, ?)", [(str(f.path), f.rel) for f in files])
        for table in feed_file.tables:
            con.execute(f"delete from raw.{table.name} where _source_file in (select rel_path from _files)")
        con.execute(f"delete from {QUARANTINE} where source_file in (select rel_path from _files)")
        # what the readers find wrong: unreadable records, and orders with a bad item
        con.execute("create or replace temp table _rejects (rel_path varchar, line bigint, raw_text varchar, "
                    "problem varchar)")
        con.execute("create or replace temp table _item_problems (rel_path varchar, line bigint, problem varchar)")
        if feed_file.fmt == "csv":
            stage_csv(con, feed_file, files)
        else:
            stage_jsonl(con, feed_file, files)
        _publish_staged(con, load)
        counts = {rel: (rows, quarantined) for rel, rows, quarantined in con.execute(f"""
            select f.rel_path, coalesce(r.n, 0), coalesce(q.n, 0)
            from _files as f
            left join (select _source_file, count(*) as n from raw.{feed_file.table.name}
                       where _load_id = ? group by 1) as r on r._source_file = f.rel_path
            left join (select source_file, count(*) as n from {QUARANTINE}
                       where load_id = ? and raw_table = ? group by 1) as q on q.source_file = f.rel_path
        """, [load.load_id, load.load_id, feed_file.table.name]).fetchall()}
        files = sorted(files, key=lambda f: f.rel)
        outcomes = [FileOutcome(f.rel, FileStatus.REPLACED if f.replaced else FileStatus.LOADED, *counts[f.rel],
                                missing_columns=f.missing) for f in files]
        manifest.record(con, [load.manifest_row(f, o.status, o.rows, o.quarantined)
                              for f, o in zip(files, outcomes, strict=True)])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for temp in STAGED_TABLES:
            con.execute(f"drop table if exists {temp}")
    return outcomes


def _publish_staged(con, load: _Load) -> None:
    """Move staged rows into raw tables and quarantine (inside the caller's transaction)."""
    feed_file = load.feed_file
    table = feed_file.table
    columns = [f.name for f in table.fields]
    no_item_problem = ("not exists (select 1 from _item_problems as i "
                       "where i.rel_path = r.rel_path and i.line = r.line)")
    con.execute(f"""
        insert into raw.{table.name} ({", ".join(ident(c) for c in columns)},
            _source_file, _source_line, _load_id, _loaded_at, _extra)
        select {", ".join("r." + ident(c) for c in columns)}, r.rel_path, r.line, ?, ?, r.record
        from _rows as r
        where r.problem is null and {no_item_problem}
    """, [load.load_id, load.loaded_at])
    for child in feed_file.children:
        child_columns = manifest.raw_columns(feed_file, child)
        con.execute(f"""
            insert into raw.{child.name} ({", ".join(ident(c) for c in child_columns)},
                _source_file, _source_line, _load_id, _loaded_at, _extra)
            select {", ".join("r." + ident(c) for c in child_columns)}, r.rel_path, r.line, ?, ?, null
            from _items as r
            where {no_item_problem}
        """, [load.load_id, load.loaded_at])
    if feed_file.fmt == "jsonl":
        bad_rows = """
            select r.rel_path, r.line, l.raw_text, coalesce(r.problem, i.problem) as problem
            from _rows as r
            left join _item_problems as i on i.rel_path = r.rel_path and i.line = r.line
            join _lines as l on l.rel_path = r.rel_path and l.line = r.line
            where r.problem is not null or i.problem is not null
        """
    else:
        raw_text = "json_object(" + ", ".join(f"'{c}', r.{ident(c)}" for c in columns) + ")::varchar"
        bad_rows = f"select r.rel_path, r.line, {raw_text}, r.problem from _rows as r where r.problem is not null"
    con.execute(f"""
        insert into {QUARANTINE}
        select ?, ?, b.* exclude (problem), b.problem, ?, ?
        from ({bad_rows} union all select rel_path, line, raw_text, problem from _rejects) as b
    """, [feed_file.source, table.name, load.load_id, load.loaded_at])
