"""Load landing files into the raw schema of the DuckDB warehouse.

Why it is built this way:
- DuckDB's own readers do the work (read_csv with stored rejects for CSV; for JSON lines, read_csv
  as one text column for exact line numbers, then from_json); Python only lists, hashes and
  checks files, never loops over rows.
- Column and key names are data, never SQL: CSV columns are read by position (c0, c1, ...) and
  matched to the contract by the header row; names beyond the contract go to `_extra` as delivered.
- Every raw row keeps its lineage: file (relative to the landing folder), line, load id, time.
- The load manifest makes loading idempotent: a file already loaded with the same content hash
  is skipped; a re-delivered file with new content replaces exactly its own rows. A file taken
  out with `retract` stays out until its content changes or the retraction is undone.
- New or changed files load in batches (about 256 MB of input each), one transaction per batch, so
  each file loads atomically: its raw rows, quarantined rows and manifest row commit together or
  not at all, and memory stays bounded at scale 10. If a batch fails, its files load one by one.
- Rows that cannot be typed, or whose nested fields have the wrong shape, go to raw.quarantine
  with file, line, raw text and reason.
- A file that cannot be read as the contract says (encoding, missing required column, a line
  over 16 MB, anything DuckDB cannot read) is recorded `failed` with the reason, naming the file
  and the column, line or byte offset; nothing of it is loaded and the other files still load.
  Optional columns a CSV leaves out load as null (FileOutcome.missing_columns).
- Paths under the landing folder that are not deliveries are listed by `scan_landing`.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.contract import FEEDS, FeedFile, Field, RawTable

MANIFEST = "raw.load_manifest"
DEFAULT_BATCH_BYTES = 256 * 1024 * 1024
MAX_LINE_BYTES = 16 * 1024 * 1024
QUARANTINE = "raw.quarantine"
SUCCESS_MARKER = "_SUCCESS"  # a day folder's completeness marker (for the landing sensor), not a delivery
# manifest statuses that set a file's state; `failed` does not (a failed re-delivery keeps the good rows)
STATES = ("loaded", "replaced", "retracted", "restored")


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all; the message says why and where in the file."""


# What a file's content (or its disappearance) can make DuckDB raise while loading it: the file is
# recorded `failed`. Other errors (an SQL bug, a locked warehouse) stop the load.
FILE_ERRORS = (LandingFileError, duckdb.InvalidInputException, duckdb.DataError, duckdb.IOException,
               duckdb.OutOfMemoryException)


@dataclass
class LandingFile:
    """A landing file of one feed, as checked before loading."""

    path: Path
    rel: str  # relative to the landing folder: the name in the manifest and in _source_file
    content_hash: str | None = None
    size: int | None = None
    modified_at: datetime | None = None  # mtime, UTC
    newline: str = "\n"  # "\n", "\r\n" or "\r" (old Mac exports)
    header: tuple[str, ...] = ()  # CSV column names by position; an unnamed one is column_<position>
    missing: tuple[str, ...] = ()  # optional contract columns the CSV header lacks (loaded as null)
    replaced: bool = False  # rows of an earlier version are in the warehouse
    error: str | None = None


@dataclass
class FileOutcome:
    path: str
    status: str  # loaded | replaced | skipped | retracted | failed
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
        return [f for f in self.files if f.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


@dataclass(frozen=True)
class SkippedPath:
    path: str  # relative to the landing folder
    reason: str
    looks_like_delivery: bool


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


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
                cols = [f"{c} varchar" for c in _column_names(feed_file, table)]
                cols += ["_source_file varchar not null", "_source_line bigint not null",
                         "_load_id varchar not null", "_loaded_at timestamp not null", "_extra json"]
                con.execute(f"create table if not exists raw.{table.name} ({', '.join(cols)})")


def _column_names(feed_file: FeedFile, table: RawTable) -> list[str]:
    if table.array_path is None:
        return [f.name for f in table.fields]
    parent_keys = [f.name for f in feed_file.table.fields if f.required]
    return [*parent_keys, "item_number", *(f.name for f in table.fields)]


# --------------------------------------------------------------------------------------------
# Files: find, scan, hash, check
# --------------------------------------------------------------------------------------------


def is_day_folder(name: str) -> bool:
    """A delivery day folder's name: YYYY-MM-DD."""
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10


def find_files(landing: Path, feed_file: FeedFile) -> list[Path]:
    """`<landing>/<source>/<YYYY-MM-DD>/<file>`, oldest day first; other paths: scan_landing."""
    source_dir = landing / feed_file.source
    if not source_dir.is_dir():
        return []
    return sorted(p for p in source_dir.glob(f"*/{feed_file.filename}") if is_day_folder(p.parent.name))


_DATE_LIKE = re.compile(r"\d{4}\D?\d\d?\D?\d\d?|\d\d?\D\d\d?\D\d{4}")


def _close_to(name: str, expected) -> bool:
    return bool(difflib.get_close_matches(name.lower(), list(expected), n=1, cutoff=0.8))


def scan_landing(landing: Path, source: str) -> list[SkippedPath]:
    """Every path under the landing folder that the loader skips for `source`, and why.

    A skipped path looks like a delivery when its name is close to what the contract expects: a
    folder name with digits that could be a date (`2026-13-45`, `2026-1-5`, `20260121`), a file
    name close to one of the source's file names (`Contacts.csv`, `contact.csv`, `orders.json`).
    `_SUCCESS` in a day folder is the completeness marker, not skipped. Top-level entries that are
    not a source are listed with the first source of the contract (crm), so that each run reports
    them once.
    """
    names = [ff.filename for ff in FEEDS[source]]
    skipped = []
    if source == next(iter(FEEDS)) and landing.is_dir():
        expected = [*FEEDS, *(ff.filename for ffs in FEEDS.values() for ff in ffs)]
        skipped += [SkippedPath(p.name, "not a source folder of the landing contract",
                                bool(_DATE_LIKE.search(p.name)) or _close_to(p.name, expected))
                    for p in sorted(landing.iterdir()) if p.name not in FEEDS]
    source_dir = landing / source
    if not source_dir.is_dir():
        return skipped
    for folder in sorted(source_dir.iterdir()):
        rel = f"{source}/{folder.name}"
        if not folder.is_dir():
            skipped.append(SkippedPath(rel, "a file outside a day folder", _close_to(folder.name, names)))
        elif not is_day_folder(folder.name):
            skipped.append(SkippedPath(rel, "not a YYYY-MM-DD day folder", bool(_DATE_LIKE.search(folder.name))))
        else:
            skipped += [SkippedPath(f"{rel}/{p.name}", f"not a file of the {source} contract ({', '.join(names)})",
                                    _close_to(p.name, names))
                        for p in sorted(folder.iterdir()) if p.name not in (*names, SUCCESS_MARKER)]
    return skipped


def _check_file(path: Path, rel: str, feed_file: FeedFile) -> LandingFile:
    """Hash the file and check it can be read as the contract says (`error` says why not)."""
    file = LandingFile(path, rel)
    try:
        mtime = path.stat().st_mtime
        data = path.read_bytes()
    except OSError as exc:
        file.error = f"cannot read file ({exc.strerror or exc})"
        return file
    file.content_hash, file.size = hashlib.sha256(data).hexdigest(), len(data)
    file.modified_at = datetime.fromtimestamp(mtime, UTC).replace(tzinfo=None)
    file.newline = "\r\n" if b"\r\n" in data else "\n" if b"\n" in data or b"\r" not in data else "\r"
    line_end = file.newline[-1].encode()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(line_end, 0, exc.start) + 1
        file.error = f"not valid UTF-8 at byte offset {exc.start} (line {line}): {data[exc.start:exc.start + 4]!r}"
        return file
    if feed_file.fmt == "csv" and data and not data.isspace():
        end = data.find(line_end)
        file.error = _check_header(file, data[: end if end >= 0 else len(data)].decode("utf-8-sig"), feed_file)
    return file


def _check_header(file: LandingFile, first_line: str, feed_file: FeedFile) -> str | None:
    """Read the CSV header into file.header and file.missing; the reason when it cannot be loaded."""
    try:
        header = next(csv.reader([first_line.rstrip("\r")]), [])
    except csv.Error as exc:
        return f"unreadable header row ({exc})"
    file.header = tuple(h.strip() or f"column_{i}" for i, h in enumerate(header, 1))
    missing = [f for f in feed_file.table.fields if f.name not in file.header]
    if required := [f.name for f in missing if f.required]:
        return f"missing required column(s) {', '.join(required)} in the header row"
    if dupes := sorted({h for h in file.header if file.header.count(h) > 1}):
        return f"duplicate column(s) {', '.join(dupes)} in the header row"
    file.missing = tuple(f.name for f in missing)
    return None


def _latest_states(con, feed_file: FeedFile) -> dict[str, tuple[str, str | None]]:
    """Each file's state: (status, content hash) of its latest loaded/replaced/retracted/restored row."""
    rows = con.execute(f"""
        select file_path, status, content_hash from {MANIFEST}
        where source = ? and feed_file = ? and list_contains(?::varchar[], status)
        qualify row_number() over (partition by file_path order by loaded_at desc) = 1
    """, [feed_file.source, feed_file.filename, list(STATES)]).fetchall()
    return {path: (status, digest) for path, status, digest in rows}


# --------------------------------------------------------------------------------------------
# SQL pieces: checks that send a row to quarantine
# --------------------------------------------------------------------------------------------


def _shown(expr: str) -> str:
    return f"'''' || left({expr}, 60) || ''''"


def _problem_sql(f: Field, expr: str, label: str) -> str | None:
    """SQL giving a reason text when `expr` (the delivered text) breaks `f`'s rule, else NULL."""
    value = f"trim({expr})"
    if f.kind == "id":
        return f"case when {expr} is null or {value} = '' then 'missing required id {label}' end"
    cast = {
        "timestamp": (f"try_cast({value} as timestamptz)", "unparseable timestamp"),
        "date": (f"try_cast({value} as date)", "unparseable date"),
        "decimal": (f"try_cast({value} as decimal(18, 4))", "non-numeric amount"),
        "integer": (f"try_cast({value} as bigint)", "non-integer number"),
    }.get(f.kind)
    if cast is None:
        return None
    parsed, reason = cast
    # a cast to bigint rounds 2.5 to 3: an integer must also equal its value as a double
    also = {"timestamp": f" or not isfinite({parsed})", "date": f" or not isfinite({parsed})",
            "integer": f" or {parsed} <> try_cast({value} as double)"}.get(f.kind, "")
    return (f"case when {expr} is not null and {value} <> '' and ({parsed} is null{also}) "
            f"then '{reason} in {label}: ' || {_shown(expr)} end")


def _shape_checks(feed_file: FeedFile) -> tuple[str, list[str]]:
    """SQL for the nested fields of a JSON line that must be objects (parents of dotted fields:
    customer, user) or lists of objects (items): `shapes`, their json types, and checks giving a
    reason text when one has the wrong shape (missing or null is fine). The checks read `shapes`,
    `raw_text` and the parsed struct `s`: a list's elements are typed only where `s` has an element
    without any item field (a number, a string, an empty object), so most lines are parsed once."""
    objects = sorted({f.json_path[2:].split(".")[0] for f in feed_file.table.fields if "." in f.json_path[2:]})
    arrays = {c.array_path[2:]: c.fields for c in feed_file.children}
    names = [*objects, *arrays]
    checks = []
    for i, name in enumerate(names, 1):
        path = f'$."{name}"'
        if name in arrays:
            no_field = " and ".join(f"e.{_ident(f.json_path[2:])} is null" for f in arrays[name])
            wrong = (f"shapes[{i}] not in ('ARRAY', 'NULL') or (list_bool_or(list_transform(s.{_ident(name)}, "
                     f"e -> {no_field})) and not list_has_all(['OBJECT'], json_type(raw_text, '{path}[*]')))")
            reason = "not a list of objects"
        else:
            wrong, reason = f"shapes[{i}] not in ('OBJECT', 'NULL')", "not an object"
        shown = _shown(f"json_extract(raw_text, '{path}')")
        checks.append(f"case when {wrong} then '{reason} in {name}: ' || {shown} end")
    paths = ", ".join(f"'$.\"{name}\"'" for name in names)
    return (f"json_type(raw_text, [{paths}])" if names else "null"), checks


def _first_problem(checks: list[str]) -> str:
    checks = [c for c in checks if c]
    return f"coalesce({', '.join(checks)})" if len(checks) > 1 else (checks[0] if checks else "null::varchar")


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def ingest_feed_file(con: duckdb.DuckDBPyConnection, landing: Path, feed_file: FeedFile,
                     load_id: str | None = None, batch_bytes: int = DEFAULT_BATCH_BYTES) -> FeedFileResult:
    """Load every new or changed file of one kind (e.g. crm contacts.csv) under `landing`.

    Files load in batches of about `batch_bytes` of input, one transaction each, so memory stays
    bounded at any scale; a file is never split across batches. A file that cannot be loaded is
    recorded `failed` in the manifest and the others still load.
    """
    started = time.perf_counter()
    load_id = load_id or uuid.uuid4().hex
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    result = FeedFileResult(feed_file, rows={t.name: 0 for t in feed_file.tables})
    # rows carry their file and line, so their physical order does not matter: let DuckDB
    # parallelise the inserts instead of preserving it
    con.execute("set preserve_insertion_order = false")
    ensure_raw_schema(con)
    states = _latest_states(con, feed_file)
    to_load: list[LandingFile] = []
    for path in find_files(landing, feed_file):
        file = _check_file(path, path.relative_to(landing).as_posix(), feed_file)
        status, digest = states.get(file.rel, (None, None))
        if digest == file.content_hash and status == "retracted":  # retracted, even if unreadable
            result.files.append(FileOutcome(file.rel, "retracted"))
        elif file.error:
            result.files.append(_record_failure(con, feed_file, file, load_id, loaded_at))
        elif digest == file.content_hash and status in ("loaded", "replaced"):
            result.files.append(FileOutcome(file.rel, "skipped"))
        else:
            file.replaced = status in ("loaded", "replaced")
            to_load.append(file)

    for batch in _batches(to_load, batch_bytes):
        result.files.extend(_load_batch(con, feed_file, batch, load_id, loaded_at))
    loaded = [o.path for o in result.files if o.status in ("loaded", "replaced")]
    result.quarantined = sum(o.quarantined for o in result.files)
    for table in feed_file.tables:
        if loaded:
            result.rows[table.name] = con.execute(
                f"select count(*) from raw.{table.name} where _load_id = ? and _source_file in "
                f"(select unnest(?::varchar[]))", [load_id, loaded]).fetchone()[0]
    result.seconds = time.perf_counter() - started
    return result


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


def _load_batch(con, feed_file: FeedFile, files: list[LandingFile], load_id: str,
                loaded_at: datetime) -> list[FileOutcome]:
    """Load files in one transaction; if that fails, load them one by one, so that a file that
    fails alone is recorded `failed` and the others still load."""
    try:
        return _load_files(con, feed_file, files, load_id, loaded_at)
    except FILE_ERRORS as exc:
        if len(files) > 1:
            return [o for f in files for o in _load_batch(con, feed_file, [f], load_id, loaded_at)]
        file = files[0]
        file.error = str(exc) if isinstance(exc, LandingFileError) else _duckdb_reason(exc, file)
        return [_record_failure(con, feed_file, file, load_id, loaded_at)]


def _duckdb_reason(exc: duckdb.Error, file: LandingFile) -> str:
    """DuckDB's error in one line: `line N: what` for a reader error, else its first line."""
    first, *rest = str(exc).replace(str(file.path), file.rel).splitlines() or [""]
    first = re.sub(r"^[\w ]*Error: ", "", first).strip()
    if line := re.fullmatch(r"CSV Error on Line: (\d+)", first):
        what = next((r.strip() for r in rest if r.strip() and not r.startswith("Original Line:")), "unreadable")
        return f"line {line[1]}: {what}"
    return first[:500]


def _record_failure(con, feed_file: FeedFile, file: LandingFile, load_id: str, loaded_at: datetime) -> FileOutcome:
    con.execute(
        f"insert into {MANIFEST} (file_path, source, feed_file, size_bytes, content_hash, rows_loaded, "
        "rows_quarantined, status, error, load_id, loaded_at, modified_at) "
        "values (?, ?, ?, ?, ?, 0, 0, 'failed', ?, ?, ?, ?)",
        [file.rel, feed_file.source, feed_file.filename, file.size, file.content_hash, file.error, load_id,
         loaded_at, file.modified_at])
    return FileOutcome(file.rel, "failed", error=f"{file.rel}: {file.error}")


def _load_files(con, feed_file: FeedFile, files: list[LandingFile], load_id: str,
                loaded_at: datetime) -> list[FileOutcome]:
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table _files (abs_path varchar, rel_path varchar, content_hash varchar, "
                    "size_bytes bigint, replaced boolean, modified_at timestamp)")
        con.executemany("insert into _files values (?, ?, ?, ?, ?, ?)",
                        [(str(f.path), f.rel, f.content_hash, f.size, f.replaced, f.modified_at) for f in files])
        for table in feed_file.tables:
            con.execute(f"delete from raw.{table.name} where _source_file in (select rel_path from _files)")
        con.execute(f"delete from {QUARANTINE} where source_file in (select rel_path from _files)")
        # what the staging step finds wrong: unreadable records, and orders with a bad item
        con.execute("create or replace temp table _rejects (rel_path varchar, line bigint, raw_text varchar, "
                    "problem varchar)")
        con.execute("create or replace temp table _item_problems (rel_path varchar, line bigint, problem varchar)")
        if feed_file.fmt == "csv":
            _stage_csv(con, feed_file, files)
        else:
            _stage_jsonl(con, feed_file, files)
        _publish_staged(con, feed_file, load_id, loaded_at)
        outcomes = con.execute(f"""
            select f.rel_path, case when f.replaced then 'replaced' else 'loaded' end,
                coalesce(r.n, 0), coalesce(q.n, 0), f.content_hash, f.size_bytes, f.modified_at
            from _files as f
            left join (select _source_file, count(*) as n from raw.{feed_file.table.name}
                       where _load_id = ? group by 1) as r on r._source_file = f.rel_path
            left join (select source_file, count(*) as n from {QUARANTINE}
                       where load_id = ? and raw_table = ? group by 1) as q on q.source_file = f.rel_path
            order by f.rel_path
        """, [load_id, load_id, feed_file.table.name]).fetchall()
        con.executemany(
            f"insert into {MANIFEST} (file_path, source, feed_file, size_bytes, content_hash, rows_loaded, "
            "rows_quarantined, status, error, load_id, loaded_at, modified_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?)",
            [(rel, feed_file.source, feed_file.filename, size, digest, rows, quarantined, status, load_id, loaded_at,
              modified_at) for rel, status, rows, quarantined, digest, size, modified_at in outcomes])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for temp in ("_files", "_lines", "_parsed", "_rows", "_items", "_item_problems", "_rejects"):
            con.execute(f"drop table if exists {temp}")
    missing = {f.rel: f.missing for f in files}
    return [FileOutcome(rel, status, rows, quarantined, missing_columns=missing[rel])
            for rel, status, rows, quarantined, *_ in outcomes]


def _stage_csv(con, feed_file: FeedFile, files: list[LandingFile]) -> None:
    """Read CSV files into temp table _rows (one row per record, with its line and any problem).

    Columns are read by position (c0, c1, ...) and matched to the contract by the header row, so
    a delivered column name is never part of the SQL; columns beyond the contract go to `_extra`
    under their delivered names (empty values left out), contract columns a file lacks are null.
    """
    table = feed_file.table
    groups: dict[tuple[str, ...], list[str]] = {}  # files with the same header are read together
    for f in files:
        if f.header:  # empty files: nothing to read
            groups.setdefault(f.header, []).append(str(f.path))
    con.execute("create or replace temp table _rows (rel_path varchar, line bigint, problem varchar, record json, "
                + ", ".join(f"{_ident(f.name)} varchar" for f in table.fields) + ")")
    for header, group in groups.items():
        position = {name: f"c{i}" for i, name in enumerate(header)}
        values = {f.name: position.get(f.name, "null::varchar") for f in table.fields}
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in position.values()) + "}"
        extras = [f"{{'key': '{_sql_str(name)}', 'value': {c}}}" for name, c in position.items() if name not in values]
        extra_sql = (f"nullif(to_json(map_from_entries(list_filter([{', '.join(extras)}], e -> e.value is not null))), "
                     "'{}')" if extras else "null::json")
        con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
        con.execute(f"""
            create or replace temp table _csv as
            select *, row_number() over (partition by filename order by ordinality) as _k
            from read_csv(?, columns = {columns}, header = true, delim = ',', quote = '"', escape = '"',
                          auto_detect = false, strict_mode = true, null_padding = false, filename = true,
                          store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans',
                          max_line_size = {MAX_LINE_BYTES}) with ordinality
        """, [group])
        # Record numbers (header = 1): rejected records are not in _csv, so the k-th accepted
        # record sits after every reject r_i with r_i - i - 1 < k.
        con.execute("""
            create or replace temp table _rej as
            select f.rel_path, min(e.line) as line, any_value(e.csv_line) as csv_line,
                string_agg(distinct e.error_type, ', ') as error_type, any_value(e.error_message) as message,
                row_number() over (partition by f.rel_path order by min(e.line)) as i
            from reject_errors as e
            join reject_scans as s using (scan_id, file_id)
            join _files as f on f.abs_path = s.file_path
            group by f.rel_path, e.line
        """)
        too_long = con.execute("select rel_path, line, message from _rej where error_type like '%LINE SIZE%' "
                               "order by all limit 1").fetchone()
        if too_long:
            raise LandingFileError(f"line {too_long[1]}: {too_long[2]}")
        checks = [_problem_sql(f, values[f.name], f.name) for f in table.fields]
        con.execute(f"""
            insert into _rows
            select f.rel_path, c._k + 1 + coalesce(r.i, 0), {_first_problem(checks)},
                {extra_sql}, {", ".join(values.values())}
            from _csv as c
            join _files as f on f.abs_path = c.filename
            asof left join (select rel_path, line - i - 1 as before, max(i) as i from _rej group by 1, 2) as r
                on r.rel_path = f.rel_path and c._k > r.before
        """)
        con.execute(f"""
            insert into _rejects
            select rel_path, line, csv_line,
                'wrong number of fields (' || lower(replace(error_type, '_', ' ')) || ', expected {len(header)})'
            from _rej
        """)
        con.execute("drop table _csv; drop table _rej")


def _json_structure(fields: tuple[Field, ...], arrays: dict[str, tuple[Field, ...]]) -> str:
    """from_json structure reading every contract field as text (so no value fails to convert)."""
    tree: dict = {}
    for f in fields:
        node = tree
        *parents, leaf = f.json_path[2:].split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = "VARCHAR"
    for name, item_fields in arrays.items():
        tree[name] = [{f.json_path[2:]: "VARCHAR" for f in item_fields}]

    def render(node) -> str:
        if isinstance(node, str):
            return f'"{node}"'
        if isinstance(node, list):
            return "[" + render(node[0]) + "]"
        return "{" + ",".join(f'"{k}":{render(v)}' for k, v in node.items()) + "}"

    return render(tree)


def _stage_jsonl(con, feed_file: FeedFile, files: list[LandingFile]) -> None:
    """Read JSON-lines files line by line (exact line numbers), validate and flatten into _rows.

    Lines come from DuckDB's CSV reader as one text column (no quoting, a delimiter that valid
    JSON text never contains); each valid line is parsed once into a struct of text fields. Keys
    beyond the contract go to `_extra` as delivered (keys are data: never part of the SQL).
    """
    table = feed_file.table
    arrays = {c.array_path[2:]: c.fields for c in feed_file.children}
    known = sorted({f.json_path[2:].split(".")[0] for f in table.fields} | set(arrays))
    known_list = "[" + ", ".join(f"'{k}'" for k in known) + "]"
    con.execute("create or replace temp table _lines (rel_path varchar, line bigint, raw_text varchar, ok boolean)")
    for newline, escaped in (("\n", r"\n"), ("\r\n", r"\r\n"), ("\r", r"\r")):
        group = [str(f.path) for f in files if f.newline == newline]
        if group:
            con.execute(f"""
                insert into _lines
                select f.rel_path, row_number() over (partition by l.filename order by l.ordinality), l.raw_text,
                    json_valid(l.raw_text) and left(ltrim(l.raw_text), 1) = '{{'
                from read_csv(?, columns = {{'raw_text': 'VARCHAR'}}, header = false, delim = '\x01', quote = '',
                              escape = '', new_line = '{escaped}', auto_detect = false, strict_mode = false,
                              filename = true, max_line_size = {MAX_LINE_BYTES}) with ordinality as l
                join _files as f on f.abs_path = l.filename
            """, [group])

    def field_expr(f: Field) -> str:
        return "s." + ".".join(_ident(p) for p in f.json_path[2:].split("."))

    field_checks = [_problem_sql(f, field_expr(f), f.name) for f in table.fields]
    shapes, shape_checks = _shape_checks(feed_file)
    # Parse each valid line once into a struct (materialised: referencing a from_json result many
    # times in one projection would parse the line again for every reference; the shape checks
    # read it from the subquery). Extra keys pair json_keys with the values of '$.*' (same
    # order), so no key is ever written into a JSON path.
    con.execute(f"""
        create or replace temp table _parsed as
        select rel_path, line, s, record, {_first_problem(shape_checks)} as shape_problem
        from (
            select rel_path, line, raw_text, from_json(raw_text, '{_json_structure(table.fields, arrays)}') as s,
                {shapes} as shapes,
                case when not list_has_all({known_list}, json_keys(raw_text))
                    then ('{{' || array_to_string(list_transform(
                        list_filter(list_zip(json_keys(raw_text), json_extract(raw_text, '$.*')),
                                    e -> not list_contains({known_list}, e[1])),
                        e -> to_json(e[1]) || ':' || e[2]), ',') || '}}')::json
                end as record
            from _lines
            where ok
        )
    """)
    con.execute(f"""
        create or replace temp table _rows as
        select rel_path, line, {_first_problem(["shape_problem", *field_checks])} as problem, record,
            {", ".join(f"{field_expr(f)} as {_ident(f.name)}" for f in table.fields)}
            {"".join(f", s.{_ident(a)} as {_ident('_array_' + a)}" for a in arrays)}
        from _parsed
    """)
    con.execute("drop table _parsed")
    con.execute("""
        insert into _rejects
        select rel_path, line, raw_text,
            case when json_valid(raw_text) then 'JSON line is not an object' else 'broken JSON line' end
        from _lines
        where not ok and trim(raw_text) <> ''
    """)
    for child in feed_file.children:
        array = _ident("_array_" + child.array_path[2:])
        parents = _column_names(feed_file, child)[: -len(child.fields) - 1]
        child_checks = [_problem_sql(f, f"item.{_ident(f.json_path[2:])}",
                                     f"{child.array_path[2:]}[' || item_number || '].{f.name}") for f in child.fields]
        con.execute(f"""
            create or replace temp table _items as
            select rel_path, line, {", ".join(_ident(p) for p in parents)}, item_number,
                {", ".join(f"item.{_ident(f.json_path[2:])} as {_ident(f.name)}" for f in child.fields)},
                {_first_problem(child_checks)} as problem
            from (
                select rel_path, line, {", ".join(_ident(p) for p in parents)},
                    unnest({array}) as item, generate_subscripts({array}, 1) as item_number
                from _rows
                where problem is null and {array} is not null
            )
        """)
        # an order with a bad item is quarantined whole: half an order would be wrong
        con.execute("""
            insert into _item_problems
            select rel_path, line, min_by(problem, item_number) from _items where problem is not null group by 1, 2
        """)


def _publish_staged(con, feed_file: FeedFile, load_id: str, loaded_at: datetime) -> None:
    """Move staged rows into raw tables and quarantine (inside the caller's transaction)."""
    table = feed_file.table
    fields = [f.name for f in table.fields]
    no_item_problem = ("not exists (select 1 from _item_problems as i "
                       "where i.rel_path = r.rel_path and i.line = r.line)")
    con.execute(f"""
        insert into raw.{table.name} ({", ".join(_ident(c) for c in fields)},
            _source_file, _source_line, _load_id, _loaded_at, _extra)
        select {", ".join("r." + _ident(c) for c in fields)}, r.rel_path, r.line, ?, ?, r.record
        from _rows as r
        where r.problem is null and {no_item_problem}
    """, [load_id, loaded_at])
    for child in feed_file.children:
        cols = _column_names(feed_file, child)
        con.execute(f"""
            insert into raw.{child.name} ({", ".join(_ident(c) for c in cols)},
                _source_file, _source_line, _load_id, _loaded_at, _extra)
            select {", ".join("r." + _ident(c) for c in cols)}, r.rel_path, r.line, ?, ?, null
            from _items as r
            where {no_item_problem}
        """, [load_id, loaded_at])
    if feed_file.fmt == "jsonl":
        bad_rows = """
            select r.rel_path, r.line, l.raw_text, coalesce(r.problem, i.problem) as problem
            from _rows as r
            left join _item_problems as i on i.rel_path = r.rel_path and i.line = r.line
            join _lines as l on l.rel_path = r.rel_path and l.line = r.line
            where r.problem is not null or i.problem is not null
        """
    else:
        raw_text = "json_object(" + ", ".join(f"'{c}', r.{_ident(c)}" for c in fields) + ")::varchar"
        bad_rows = f"select r.rel_path, r.line, {raw_text}, r.problem from _rows as r where r.problem is not null"
    con.execute(f"""
        insert into {QUARANTINE}
        select ?, ?, b.* exclude (problem), b.problem, ?, ?
        from ({bad_rows} union all select rel_path, line, raw_text, problem from _rejects) as b
    """, [feed_file.source, table.name, load_id, loaded_at])


# --------------------------------------------------------------------------------------------
# Retracting a delivery
# --------------------------------------------------------------------------------------------


def retract(con: duckdb.DuckDBPyConnection, target_rel: str, reason: str, undo: bool = False) -> list[str]:
    """Take a delivered file, or every file of a day folder, out of the warehouse; or undo that.

    `target_rel` is a landing file or day folder relative to the landing folder (e.g.
    `orders/2026-01-03/orders.jsonl` or `orders/2026-01-03`), matched against the manifest, so the
    landing file may be gone already. Retracting deletes, in one transaction, the files' rows from
    every raw table of their feed and from the quarantine, and records `retracted` with the content
    hash of the file's latest delivered version and `reason` (in `error`); ingest_feed_file leaves
    the file out while its content is unchanged. Undo records `restored` (nothing is deleted) for
    retracted files, so that the next ingest loads them again. Returns the file paths.
    """
    ensure_raw_schema(con)
    target = target_rel.strip().strip("/")
    files = con.execute(f"""
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
        files = [f for f in files if f[6] == "retracted"]
    if not files:
        raise ValueError(f"no {'retracted ' if undo else ''}file in the load manifest matches '{target}'")
    paths = [f[0] for f in files]
    feeds = {(f[1], f[2]) for f in files}
    tables = [t.name for ffs in FEEDS.values() for ff in ffs if (ff.source, ff.filename) in feeds for t in ff.tables]
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    load_id = uuid.uuid4().hex
    con.execute("begin transaction")
    try:
        if not undo:
            for table in tables:
                con.execute(f"delete from raw.{table} where _source_file in (select unnest(?::varchar[]))", [paths])
            con.execute(f"delete from {QUARANTINE} where source_file in (select unnest(?::varchar[]))", [paths])
        con.executemany(
            f"insert into {MANIFEST} (file_path, source, feed_file, size_bytes, content_hash, rows_loaded, "
            "rows_quarantined, status, error, load_id, loaded_at, modified_at) values (?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?)",
            [(path, source, feed_file, size, digest, "restored" if undo else "retracted", reason, load_id, loaded_at,
              modified_at) for path, source, feed_file, size, digest, modified_at, _ in files])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return paths


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(value: str) -> str:
    return value.replace("'", "''")
