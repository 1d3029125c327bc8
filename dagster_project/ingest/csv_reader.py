"""Reading CSV deliveries into the staged rows of one load (temp table `_rows`).

DuckDB's read_csv does the reading, with stored rejects: a record with the wrong number of fields
is rejected with its line, never guessed. Columns are read by position (c0, c1, ...) and matched
to the contract by the header row (`LandingFile.header`), so a delivered column name is never
part of the SQL; columns beyond the contract go to `_extra` under their delivered names (empty
values left out), contract columns a file lacks are null.
"""

from __future__ import annotations

from dagster_project.ingest.contract import FeedFile
from dagster_project.ingest.files import MAX_LINE_BYTES, LandingFile, LandingFileError
from dagster_project.ingest.rules import first_problem, ident, problem_sql, sql_str


def stage_csv(con, feed_file: FeedFile, files: list[LandingFile]) -> None:
    """Read CSV files into temp table _rows (one row per record, with its line and any problem)
    and rejected records into _rejects. Reads `_files` (the files of this load)."""
    table = feed_file.table
    groups: dict[tuple[str, ...], list[str]] = {}  # files with the same header are read together
    for f in files:
        if f.header:  # empty files: nothing to read
            groups.setdefault(f.header, []).append(str(f.path))
    con.execute("create or replace temp table _rows (rel_path varchar, line bigint, problem varchar, record json, "
                + ", ".join(f"{ident(f.name)} varchar" for f in table.fields) + ")")
    for header, group in groups.items():
        position = {name: f"c{i}" for i, name in enumerate(header)}
        values = {f.name: position.get(f.name, "null::varchar") for f in table.fields}
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in position.values()) + "}"
        extras = [f"{{'key': '{sql_str(name)}', 'value': {c}}}" for name, c in position.items() if name not in values]
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
        checks = [problem_sql(f, values[f.name], f.name) for f in table.fields]
        con.execute(f"""
            insert into _rows
            select f.rel_path, c._k + 1 + coalesce(r.i, 0), {first_problem(checks)},
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
