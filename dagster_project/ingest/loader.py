"""Load landing files into the raw schema of the DuckDB warehouse.

Why it is built this way:
- DuckDB's own readers do the work (read_csv with stored rejects for CSV; for JSON lines, read_csv
  as one text column for exact line numbers, then from_json); Python only lists, hashes and
  checks files, never loops over rows.
- Every raw row keeps its lineage: file (relative to the landing folder), line, load id, time.
- The load manifest makes loading idempotent: a file already loaded with the same content hash
  is skipped; a re-delivered file with new content replaces exactly its own rows.
- New or changed files load in batches (about 256 MB of input each), one transaction per batch, so
  each file loads atomically: its raw rows, quarantined rows and manifest row commit together or
  not at all, and memory stays bounded at scale 10.
- Rows that cannot be typed go to raw.quarantine with file, line, raw text and reason.
- A file that cannot be read as the contract says (encoding, missing column) is not loaded; the
  error names the file and the column or byte offset, and the other files still load.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.contract import FEEDS, FeedFile, Field, RawTable

MANIFEST = "raw.load_manifest"
DEFAULT_BATCH_BYTES = 256 * 1024 * 1024
QUARANTINE = "raw.quarantine"


class LandingFileError(Exception):
    """A landing file that cannot be loaded at all (encoding, header, unreadable)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass
class FileOutcome:
    path: str
    status: str  # loaded | replaced | skipped | failed
    rows: int = 0
    quarantined: int = 0
    error: str | None = None


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


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, its tables, the quarantine and the manifest if missing."""
    con.execute("create schema if not exists raw")
    con.execute(f"""
        create table if not exists {MANIFEST} (
            file_path varchar not null, source varchar not null, feed_file varchar not null,
            size_bytes bigint, content_hash varchar, rows_loaded bigint, rows_quarantined bigint,
            status varchar not null, error varchar, load_id varchar not null, loaded_at timestamp not null
        )""")
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
    parent_keys = [f.name for f in feed_file.table.fields if f.kind == "id" or f.name == "updated_at"]
    return [*parent_keys, "item_number", *(f.name for f in table.fields)]


# --------------------------------------------------------------------------------------------
# Files: find, hash, check
# --------------------------------------------------------------------------------------------


def _is_day(name: str) -> bool:
    try:
        date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10


def find_files(landing: Path, feed_file: FeedFile) -> list[Path]:
    """`<landing>/<source>/<YYYY-MM-DD>/<file>`, oldest day first; other folders are ignored."""
    source_dir = landing / feed_file.source
    if not source_dir.is_dir():
        return []
    return sorted(p for p in source_dir.glob(f"*/{feed_file.filename}") if _is_day(p.parent.name))


def _check_file(path: Path, rel: str, feed_file: FeedFile) -> tuple[str, int, bool]:
    """Hash the file and check it can be read as the contract says; return (sha256, size, crlf)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LandingFileError(rel, f"cannot read file ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LandingFileError(
            rel, f"not valid UTF-8 at byte offset {exc.start} (line {line}): {data[exc.start:exc.start + 4]!r}"
        ) from exc
    if feed_file.fmt == "csv" and text.strip():
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r"))))
        present = {h.strip() for h in header}
        missing = [f.name for f in feed_file.table.fields if f.name not in present]
        if missing:
            raise LandingFileError(rel, f"missing required column(s) {', '.join(missing)} in the header row")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise LandingFileError(rel, f"duplicate column(s) {', '.join(dupes)} in the header row")
    return hashlib.sha256(data).hexdigest(), len(data), b"\r\n" in data


def _loaded_hashes(con, feed_file: FeedFile) -> dict[str, str]:
    rows = con.execute(f"""
        select file_path, arg_max(content_hash, loaded_at) filter (where status in ('loaded', 'replaced'))
        from {MANIFEST} where source = ? and feed_file = ? group by file_path
    """, [feed_file.source, feed_file.filename]).fetchall()
    return {path: h for path, h in rows if h is not None}


# --------------------------------------------------------------------------------------------
# SQL pieces: checks that send a row to quarantine
# --------------------------------------------------------------------------------------------


def _problem_sql(f: Field, expr: str, label: str) -> str | None:
    """SQL giving a reason text when `expr` (the delivered text) breaks `f`'s rule, else NULL."""
    value = f"trim({expr})"
    shown = f"'''' || left({expr}, 60) || ''''"
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
    finite = f" or not isfinite({parsed})" if f.kind in ("timestamp", "date") else ""
    return (f"case when {expr} is not null and {value} <> '' and ({parsed} is null{finite}) "
            f"then '{reason} in {label}: ' || {shown} end")


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
    bounded at any scale; a file is never split across batches.
    """
    started = time.perf_counter()
    load_id = load_id or uuid.uuid4().hex
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    result = FeedFileResult(feed_file, rows={t.name: 0 for t in feed_file.tables})
    # rows carry their file and line, so their physical order does not matter: let DuckDB
    # parallelise the inserts instead of preserving it
    con.execute("set preserve_insertion_order = false")
    ensure_raw_schema(con)
    known = _loaded_hashes(con, feed_file)
    to_load: list[tuple[Path, str, str, int, bool, bool]] = []
    failures: list[tuple[str, str | None, int | None, str]] = []
    for path in find_files(landing, feed_file):
        rel = path.relative_to(landing).as_posix()
        try:
            digest, size, crlf = _check_file(path, rel, feed_file)
        except LandingFileError as exc:
            result.files.append(FileOutcome(rel, "failed", error=str(exc)))
            failures.append((rel, None, None, exc.message))
            continue
        if known.get(rel) == digest:
            result.files.append(FileOutcome(rel, "skipped"))
            continue
        to_load.append((path, rel, digest, size, rel in known, crlf))

    for batch in _batches(to_load, batch_bytes):
        outcomes = _load_files(con, feed_file, batch, load_id, loaded_at)
        result.files.extend(outcomes)
        result.quarantined += sum(o.quarantined for o in outcomes)
        for table in feed_file.tables:
            result.rows[table.name] += con.execute(
                f"select count(*) from raw.{table.name} where _load_id = ? and _source_file in "
                f"(select unnest(?::varchar[]))", [load_id, [o.path for o in outcomes]]).fetchone()[0]
    if failures:
        con.executemany(
            f"insert into {MANIFEST} (file_path, source, feed_file, size_bytes, content_hash, rows_loaded, "
            "rows_quarantined, status, error, load_id, loaded_at) values (?, ?, ?, ?, ?, 0, 0, 'failed', ?, ?, ?)",
            [(rel, feed_file.source, feed_file.filename, size, digest, err, load_id, loaded_at)
             for rel, digest, size, err in failures])
    result.seconds = time.perf_counter() - started
    return result


def _batches(files: list, batch_bytes: int):
    batch, size = [], 0
    for f in files:
        if batch and size + f[3] > batch_bytes:
            yield batch
            batch, size = [], 0
        batch.append(f)
        size += f[3]
    if batch:
        yield batch


def _load_files(con, feed_file: FeedFile, files, load_id: str, loaded_at: datetime) -> list[FileOutcome]:
    file_map = [(str(p), rel, digest, size, replaced) for p, rel, digest, size, replaced, _ in files]
    crlf = {str(p) for p, *_, is_crlf in files if is_crlf}
    con.execute("begin transaction")
    try:
        con.execute("create or replace temp table _files (abs_path varchar, rel_path varchar, content_hash varchar, "
                    "size_bytes bigint, replaced boolean)")
        con.executemany("insert into _files values (?, ?, ?, ?, ?)", file_map)
        for table in feed_file.tables:
            con.execute(f"delete from raw.{table.name} where _source_file in (select rel_path from _files)")
        con.execute(f"delete from {QUARANTINE} where source_file in (select rel_path from _files)")
        # what the staging step finds wrong: unreadable records, and orders with a bad item
        con.execute("create or replace temp table _rejects (rel_path varchar, line bigint, raw_text varchar, "
                    "problem varchar)")
        con.execute("create or replace temp table _item_problems (rel_path varchar, line bigint, problem varchar)")
        if feed_file.fmt == "csv":
            _stage_csv(con, feed_file, [f[0] for f in file_map])
        else:
            _stage_jsonl(con, feed_file, [f[0] for f in file_map], crlf)
        _publish_staged(con, feed_file, load_id, loaded_at)
        outcomes = con.execute(f"""
            select f.rel_path, case when f.replaced then 'replaced' else 'loaded' end,
                coalesce(r.n, 0), coalesce(q.n, 0), f.content_hash, f.size_bytes
            from _files as f
            left join (select _source_file, count(*) as n from raw.{feed_file.table.name}
                       where _load_id = ? group by 1) as r on r._source_file = f.rel_path
            left join (select source_file, count(*) as n from {QUARANTINE}
                       where load_id = ? and raw_table = ? group by 1) as q on q.source_file = f.rel_path
            order by f.rel_path
        """, [load_id, load_id, feed_file.table.name]).fetchall()
        con.executemany(
            f"insert into {MANIFEST} (file_path, source, feed_file, size_bytes, content_hash, rows_loaded, "
            "rows_quarantined, status, error, load_id, loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?)",
            [(rel, feed_file.source, feed_file.filename, size, digest, rows, quarantined, status, load_id, loaded_at)
             for rel, status, rows, quarantined, digest, size in outcomes])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for temp in ("_files", "_lines", "_parsed", "_rows", "_items", "_item_problems", "_rejects"):
            con.execute(f"drop table if exists {temp}")
    return [FileOutcome(rel, status, rows, quarantined) for rel, status, rows, quarantined, _, _ in outcomes]


def _stage_csv(con, feed_file: FeedFile, paths: list[str]) -> None:
    """Read CSV files into temp table _rows (one row per record, with its line and any problem)."""
    table = feed_file.table
    fields = [f.name for f in table.fields]
    # Files can differ in extra columns; read each header group on its own so names line up.
    groups: dict[tuple[str, ...], list[str]] = {}
    for p in paths:
        with open(p, encoding="utf-8-sig", newline="") as fh:
            header = tuple(h.strip() for h in next(csv.reader(fh), []))
        groups.setdefault(header, []).append(p)
    con.execute("create or replace temp table _rows (rel_path varchar, line bigint, problem varchar, record json, "
                + ", ".join(f"{_ident(c)} varchar" for c in fields) + ")")
    for header, group in groups.items():
        if not header:
            continue  # empty files: nothing to read
        columns = "{" + ", ".join(f"'{_sql_str(h)}': 'VARCHAR'" for h in header) + "}"
        extras = [h for h in header if h not in fields]
        extra_sql = ("json_object(" + ", ".join(f"'{_sql_str(h)}', {_ident(h)}" for h in extras) + ")"
                     if extras else "null::json")
        con.execute("drop table if exists reject_errors; drop table if exists reject_scans")
        con.execute(f"""
            create or replace temp table _csv as
            select *, row_number() over (partition by filename order by ordinality) as _k
            from read_csv(?, columns = {columns}, header = true, delim = ',', quote = '"', escape = '"',
                          auto_detect = false, strict_mode = true, null_padding = false, filename = true,
                          store_rejects = true, rejects_table = 'reject_errors', rejects_scan = 'reject_scans',
                          max_line_size = 16777216) with ordinality
        """, [group])
        # Record numbers (header = 1): rejected records are not in _csv, so the k-th accepted
        # record sits after every reject r_i with r_i - i - 1 < k.
        con.execute("""
            create or replace temp table _rej as
            select f.rel_path, min(e.line) as line, any_value(e.csv_line) as csv_line,
                string_agg(distinct e.error_type, ', ') as error_type,
                row_number() over (partition by f.rel_path order by min(e.line)) as i
            from reject_errors as e
            join reject_scans as s using (scan_id, file_id)
            join _files as f on f.abs_path = s.file_path
            group by f.rel_path, e.line
        """)
        checks = [_problem_sql(f, _ident(f.name), f.name) for f in table.fields]
        con.execute(f"""
            insert into _rows
            select f.rel_path, c._k + 1 + coalesce(r.i, 0), {_first_problem(checks)},
                {extra_sql}, {", ".join(_ident(f) for f in fields)}
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


def _stage_jsonl(con, feed_file: FeedFile, paths: list[str], crlf: set[str]) -> None:
    """Read JSON-lines files line by line (exact line numbers), validate and flatten into _rows.

    Lines come from DuckDB's CSV reader as one text column (no quoting, a delimiter that valid
    JSON text never contains); each valid line is parsed once into a struct of text fields.
    """
    table = feed_file.table
    arrays = {c.array_path[2:]: c.fields for c in feed_file.children}
    known = sorted({f.json_path[2:].split(".")[0] for f in table.fields} | set(arrays))
    known_list = "[" + ", ".join(f"'{k}'" for k in known) + "]"
    con.execute("create or replace temp table _lines (rel_path varchar, line bigint, raw_text varchar, ok boolean)")
    for newline in ("\\n", "\\r\\n"):
        group = [p for p in paths if (p in crlf) == (newline != "\\n")]
        if group:
            con.execute(f"""
                insert into _lines
                select f.rel_path, row_number() over (partition by l.filename order by l.ordinality), l.raw_text,
                    json_valid(l.raw_text) and left(ltrim(l.raw_text), 1) = '{{'
                from read_csv(?, columns = {{'raw_text': 'VARCHAR'}}, header = false, delim = '\x01', quote = '',
                              escape = '', new_line = '{newline}', auto_detect = false, strict_mode = false,
                              filename = true, max_line_size = 16777216) with ordinality as l
                join _files as f on f.abs_path = l.filename
            """, [group])

    def field_expr(f: Field) -> str:
        return "s." + ".".join(_ident(p) for p in f.json_path[2:].split("."))

    field_checks = [_problem_sql(f, field_expr(f), f.name) for f in table.fields]
    # Parse each valid line once into a struct (materialised: referencing a from_json result many
    # times in one projection would parse the line again for every reference).
    con.execute(f"""
        create or replace temp table _parsed as
        select rel_path, line, from_json(raw_text, '{_json_structure(table.fields, arrays)}') as s,
            case when not list_has_all({known_list}, json_keys(raw_text))
                then to_json(map_from_entries(list_transform(
                    list_filter(json_keys(raw_text), k -> not list_contains({known_list}, k)),
                    k -> {{'key': k, 'value': json_extract(raw_text, '$."' || k || '"')}})))
            end as record
        from _lines
        where ok
    """)
    con.execute(f"""
        create or replace temp table _rows as
        select rel_path, line, {_first_problem(field_checks)} as problem, record,
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


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_str(value: str) -> str:
    return value.replace("'", "''")
