"""Parity, the contract of MDW_ENGINE=spark: the same landing files built on DuckDB and on a local
Spark give the same tables.

The landing set is the hand-made one (tests/handmade_landing.py: 500 people shaped unlike the demo
generator), its first two weeks. Each engine builds it from empty in one run of the whole job
(ingest, dbt, the tables fitted in Python, the checks, the publish, the exports). Then every table
of the DuckDB warehouse's staging, intermediate, core and marts schemas is read back from Spark's
catalog (as Parquet, through `python -m dagster_project.spark snapshot`) and compared row for row:
the same records grouped into the same customers under the same keys, the same figures within
floating-point noise (relative 1e-9: the engines add in different orders). Only the columns that
say when a row was built are left out. The published Parquet and the exports are compared too.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import shutil
from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import pytest

from dagster_project.config import export_environment
from dagster_project.serving_parquet import create_views, current_folder
from dagster_project.spark import run_child
from tests.conftest import BUILD_COLUMNS, BUILT_SCHEMAS, built_tables, run_daily_refresh, settings_under
from tests.handmade_landing import write_handmade_landing

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(importlib.util.find_spec("pyspark") is None or
                                                  shutil.which("java") is None,
                                                  reason="needs the spark extra and Java (scripts/check.sh installs them)")]
DAYS = 14


def _value(value):
    """A value both engines hold the same way: instants in UTC without a zone, decimals as floats."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def _rows(con, relation: str, columns: list[str]) -> list[tuple]:
    rows = [tuple(_value(v) for v in row) for row in con.execute(
        f'select {", ".join(columns)} from {relation}').fetchall()]
    return sorted(rows, key=lambda row: repr(tuple(round(v, 6) if isinstance(v, float) else v for v in row)))


def _same(a, b) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and float in (type(a), type(b)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _differences(duck, spark, relation: str) -> str | None:
    """None when the relation holds the same rows in both; else what differs, briefly."""
    columns = [c for c, in duck.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name || '.' || table_name = ? order by column_index", [relation]).fetchall()
        if c not in BUILD_COLUMNS]
    spark_columns = {c for c, in spark.execute(f"select column_name from (describe {relation})").fetchall()}
    if missing := [c for c in columns if c not in spark_columns]:
        return f"columns missing on Spark: {missing}"
    left, right = _rows(duck, relation, columns), _rows(spark, relation, columns)
    if len(left) != len(right):
        return f"{len(left)} rows on DuckDB, {len(right)} on Spark"
    for a, b in zip(left, right, strict=True):
        if not all(map(_same, a, b)):
            return f"first differing row: DuckDB {a} / Spark {b}"
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple:
    root = tmp_path_factory.mktemp("parity")
    landing = write_handmade_landing(root / "handmade")
    days = sorted({p.name for p in landing.glob("*/*")})[:DAYS]
    duck = settings_under(root / "duckdb")
    spark = dataclasses.replace(settings_under(root / "spark"), engine="spark", raw_parquet=root / "spark" / "raw",
                                spark_warehouse=root / "spark" / "catalog")
    for settings in (duck, spark):
        for folder in landing.glob("*/*"):
            if folder.name in days:
                shutil.copytree(folder, settings.landing / folder.relative_to(landing))
        result = run_daily_refresh(settings, partition=days[-1])
        failed = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert result.success, f"the {settings.engine} run failed in {failed}"
    with duckdb.connect(str(duck.warehouse), read_only=True) as con:
        relations = [f"{schema}.{table}" for schema, table in built_tables(con)]
    export_environment(spark)  # the child's Spark session opens the Spark run's catalog
    run_child("snapshot", str(root / "spark_tables"), *relations)
    return duck, spark, root / "spark_tables", relations


def test_every_table_is_the_same_on_duckdb_and_spark(built):
    duck_settings, _, spark_tables, relations = built
    assert {r.split(".")[0] for r in relations} == set(BUILT_SCHEMAS)
    with duckdb.connect(str(duck_settings.warehouse), read_only=True) as duck, duckdb.connect() as spark:
        assert sorted(create_views(spark, spark_tables)) == sorted(relations)
        assert duck.execute("select count(*) from core.dim_customers").fetchone()[0] > 100
        differences = {relation: found for relation in relations
                       if (found := _differences(duck, spark, relation)) is not None}
    assert differences == {}


def test_spark_publishes_the_same_serving_tables_as_parquet_and_the_same_exports(built):
    duck_settings, spark_settings, _, _ = built
    with duckdb.connect(str(duck_settings.warehouse), read_only=True) as duck, duckdb.connect() as served:
        published = create_views(served, current_folder(spark_settings.serving))
        assert "marts.mart_customer_profile" in published and "core.dim_customers" in published
        assert {r: d for r in published if (d := _differences(duck, served, r)) is not None} == {}
    with duckdb.connect(str(spark_settings.serving), read_only=True) as con:  # the dashboard's file, built from it
        assert con.execute("select count(*) from main.mart_customer_profile").fetchone()[0] > 100
    exported = {engine: {p.relative_to(s.exports): p.read_bytes() for p in s.exports.rglob("*.csv")}
                for engine, s in (("duckdb", duck_settings), ("spark", spark_settings))}
    assert exported["duckdb"] and exported["spark"] == exported["duckdb"]
