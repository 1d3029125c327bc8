"""Print one hash per table of a DuckDB file (default: the serving file): an order-independent
digest of every row, to check that a refactoring changed no figure.

    .venv/bin/python scripts/table_hashes.py data/marts.duckdb > before.txt
    ... change, rebuild ...
    .venv/bin/python scripts/table_hashes.py data/marts.duckdb | diff before.txt -

--round N hashes floating-point columns rounded to N decimals, for tables whose sums differ in the
last bits between builds (the order in which an engine adds terms is not fixed).
"""

from __future__ import annotations

import argparse

import duckdb

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _row_expression(con, schema: str, table: str, decimals: int | None) -> str:
    if decimals is None:
        return "t"
    columns = con.execute("select column_name, data_type from duckdb_columns() where schema_name = ? "
                          "and table_name = ? order by column_index", [schema, table]).fetchall()
    parts = [f'round("{name}", {decimals})' if kind in FLOAT_TYPES else f'"{name}"' for name, kind in columns]
    return f"row({', '.join(parts)})"


def table_hashes(path: str, decimals: int | None = None) -> dict[str, tuple[int, str]]:
    with duckdb.connect(path, read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where schema_name not like '\\_%' escape '\\' order by 1, 2").fetchall()
        out = {}
        for schema, table in tables:
            row = _row_expression(con, schema, table, decimals)
            rows, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) from "
                f'(select md5(cast({row} as varchar)) as h from "{schema}"."{table}" as t)').fetchone()
            out[f"{schema}.{table}"] = (rows, digest)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default="data/marts.duckdb")
    parser.add_argument("--round", type=int, default=None, metavar="N", dest="decimals",
                        help="round floating-point columns to N decimals before hashing")
    args = parser.parse_args()
    for name, (rows, digest) in table_hashes(args.path, args.decimals).items():
        print(f"{name:<50} {rows:>10} {digest}")
