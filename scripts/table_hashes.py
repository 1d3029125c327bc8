"""Print one hash per table of a DuckDB file (default: the serving file): an order-independent
digest of every row, to check that a refactoring changed no figure.

    .venv/bin/python scripts/table_hashes.py data/marts.duckdb > before.txt
    ... change, rebuild ...
    .venv/bin/python scripts/table_hashes.py data/marts.duckdb | diff before.txt -
"""

from __future__ import annotations

import sys

import duckdb


def table_hashes(path: str) -> dict[str, tuple[int, str]]:
    with duckdb.connect(path, read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where schema_name not like '\\_%' escape '\\' order by 1, 2").fetchall()
        out = {}
        for schema, table in tables:
            rows, digest = con.execute(
                f'select count(*), md5(coalesce(string_agg(h, \'\' order by h), \'\')) from '
                f'(select md5(cast(t as varchar)) as h from "{schema}"."{table}" as t)').fetchone()
            out[f"{schema}.{table}"] = (rows, digest)
    return out


if __name__ == "__main__":
    for name, (rows, digest) in table_hashes(sys.argv[1] if len(sys.argv) > 1 else "data/marts.duckdb").items():
        print(f"{name:<50} {rows:>10} {digest}")
