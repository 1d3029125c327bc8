"""Reading JSON-lines deliveries into the staged rows of one load (temp tables `_lines`, `_rows`,
`_items`, `_item_problems`).

Lines come from DuckDB's CSV reader as one text column (no quoting, a delimiter that valid JSON
text never contains), which gives exact line numbers and reads every line ending; each valid line
is parsed once into a struct of text fields. Keys beyond the contract go to `_extra` as delivered
(keys are data: never part of the SQL). Child tables (order items) get one row per element of
their array; an order with a bad item is quarantined whole.
"""

from __future__ import annotations

from dagster_project.ingest.contract import FeedFile, Field
from dagster_project.ingest.files import MAX_LINE_BYTES, LandingFile
from dagster_project.ingest.manifest import raw_columns
from dagster_project.ingest.rules import first_problem, ident, problem_sql, shape_checks


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


def stage_jsonl(con, feed_file: FeedFile, files: list[LandingFile]) -> None:
    """Read JSON-lines files line by line (exact line numbers), validate and flatten into _rows;
    lines that are not JSON objects go to _rejects, child rows to _items. Reads `_files`."""
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
        return "s." + ".".join(ident(p) for p in f.json_path[2:].split("."))

    field_checks = [problem_sql(f, field_expr(f), f.name) for f in table.fields]
    shapes, shape_problems = shape_checks(feed_file)
    # Parse each valid line once into a struct (materialised: referencing a from_json result many
    # times in one projection would parse the line again for every reference; the shape checks
    # read it from the subquery). Extra keys pair json_keys with the values of '$.*' (same
    # order), so no key is ever written into a JSON path.
    con.execute(f"""
        create or replace temp table _parsed as
        select rel_path, line, s, record, {first_problem(shape_problems)} as shape_problem
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
        select rel_path, line, {first_problem(["shape_problem", *field_checks])} as problem, record,
            {", ".join(f"{field_expr(f)} as {ident(f.name)}" for f in table.fields)}
            {"".join(f", s.{ident(a)} as {ident('_array_' + a)}" for a in arrays)}
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
        array = ident("_array_" + child.array_path[2:])
        parents = raw_columns(feed_file, child)[: -len(child.fields) - 1]
        child_checks = [problem_sql(f, f"item.{ident(f.json_path[2:])}",
                                    f"{child.array_path[2:]}[' || item_number || '].{f.name}") for f in child.fields]
        con.execute(f"""
            create or replace temp table _items as
            select rel_path, line, {", ".join(ident(p) for p in parents)}, item_number,
                {", ".join(f"item.{ident(f.json_path[2:])} as {ident(f.name)}" for f in child.fields)},
                {first_problem(child_checks)} as problem
            from (
                select rel_path, line, {", ".join(ident(p) for p in parents)},
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
