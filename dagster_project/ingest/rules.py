"""The validation rules that send a delivered row to quarantine, as SQL.

Each rule is a SQL expression giving the reason text when a row breaks it, else NULL; the readers
(`csv_reader`, `jsonl_reader`) put the first reason of a row in its `problem` column. The rules
follow the field kinds of the landing contract (`contract.Field`): an `id` must be present;
`timestamp`, `date` and `decimal` must parse when present; an `integer` must be integral. A JSON
line's nested fields must have the shape the contract reads (objects, lists of objects).
Names are data: they are quoted with `ident` and `sql_str`, never pasted into SQL as they are.
"""

from __future__ import annotations

from dagster_project.ingest.contract import FeedFile, Field


def ident(name: str) -> str:
    """A SQL identifier for any name."""
    return '"' + name.replace('"', '""') + '"'


def sql_str(value: str) -> str:
    """The inside of a SQL string literal for any text."""
    return value.replace("'", "''")


def _shown(expr: str) -> str:
    return f"'''' || left({expr}, 60) || ''''"


def problem_sql(f: Field, expr: str, label: str) -> str | None:
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


def shape_checks(feed_file: FeedFile) -> tuple[str, list[str]]:
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
            no_field = " and ".join(f"e.{ident(f.json_path[2:])} is null" for f in arrays[name])
            wrong = (f"shapes[{i}] not in ('ARRAY', 'NULL') or (list_bool_or(list_transform(s.{ident(name)}, "
                     f"e -> {no_field})) and not list_has_all(['OBJECT'], json_type(raw_text, '{path}[*]')))")
            reason = "not a list of objects"
        else:
            wrong, reason = f"shapes[{i}] not in ('OBJECT', 'NULL')", "not an object"
        shown = _shown(f"json_extract(raw_text, '{path}')")
        checks.append(f"case when {wrong} then '{reason} in {name}: ' || {shown} end")
    paths = ", ".join(f"'$.\"{name}\"'" for name in names)
    return (f"json_type(raw_text, [{paths}])" if names else "null"), checks


def first_problem(checks: list[str | None]) -> str:
    """SQL: the first reason any of `checks` gives (NULL when the row breaks none)."""
    checks = [c for c in checks if c]
    return f"coalesce({', '.join(checks)})" if len(checks) > 1 else (checks[0] if checks else "null::varchar")
