"""The Spark publish path without Spark: Parquet table folders, as a Spark run stages them, audited
through DuckDB views, published into the serving file and swapped in by renaming."""

import os
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import PUBLISHED_CORE_TABLES, publish
from dagster_project.serving_parquet import (
    AUDITED_TABLES,
    audit_database,
    audited_relations,
    current_folder,
    parquet_root,
    snapshot_relations,
    staging_folder,
    swap_in,
)


def _stage(folder: Path, relation: str, select: str, parts: int = 1) -> None:
    """A table folder as Spark writes one: part files of one Parquet schema."""
    table = folder / relation
    table.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for part in range(parts):
            con.execute(f"copy ({select}) to '{table}/part-{part:05d}.parquet' (format parquet)")


def _stage_run(serving: Path, run_id: str, customers: int) -> None:
    staging = staging_folder(serving, run_id)
    _stage(staging, "marts.mart_customer_profile",
           f"select range as customer_key, date '2026-03-01' as as_of_date from range({customers})")
    for name in PUBLISHED_CORE_TABLES:
        _stage(staging, f"core.{name}", "select 1 as id")
    _stage(staging, "core.contact_point_consent", "select 'e1' as contact_point_key, true as has_consent", parts=2)


def test_what_a_spark_run_stages_is_every_mart_the_published_core_tables_and_what_a_suite_reads():
    assert "core.contact_point_consent" in AUDITED_TABLES
    assert snapshot_relations(["staging.stg_orders__orders", "marts.mart_rfm", "core.dim_customers",
                               "core.contact_point_consent", "intermediate.int_x", "core.identity_key_registry"]) == [
        "core.contact_point_consent", "core.dim_customers", "marts.mart_rfm"]


def test_a_staged_run_is_audited_through_views_published_and_swapped_in(tmp_path):
    serving = tmp_path / "marts.duckdb"
    _stage_run(serving, "run1", customers=3)
    database = audit_database(serving, "run1")
    assert audited_relations(database) == {"marts.mart_customer_profile", "core.contact_point_consent",
                                           *(f"core.{name}" for name in PUBLISHED_CORE_TABLES)}
    with duckdb.connect(str(database), read_only=True) as con:  # every part file of a table is read
        assert con.execute("select count(*) from core.contact_point_consent").fetchone() == (2,)

    counts = publish(database, serving, "run1", checks=[])
    assert counts["mart_customer_profile"] == 3 and "contact_point_consent" not in counts
    folder = swap_in(serving, "run1")
    assert folder == parquet_root(serving) / "runs" / "run1"
    assert os.readlink(current_folder(serving)) == "runs/run1"
    assert not staging_folder(serving, "run1").exists()
    assert not database.exists()  # the audit database went with its staging folder
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute("select count(*) from main.mart_customer_profile").fetchone() == (3,)


def test_the_run_before_stays_for_its_readers_and_older_runs_and_dead_stagings_go(tmp_path):
    serving = tmp_path / "marts.duckdb"
    for number, run_id in enumerate(("run1", "run2", "run3"), start=1):
        _stage_run(serving, run_id, customers=number)
        if run_id == "run3":
            _stage_run(serving, "dead", customers=9)  # a run killed before its publish
            audit_database(serving, "dead")
        swap_in(serving, run_id)
    root = parquet_root(serving)
    assert sorted(p.name for p in (root / "runs").iterdir()) == ["run2", "run3"]
    assert sorted(p.name for p in root.iterdir()) == ["current", "runs"]
    files = current_folder(serving) / "marts.mart_customer_profile"
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from read_parquet('{files}/*.parquet')").fetchone() == (3,)


def test_a_run_that_staged_nothing_cannot_be_swapped_in(tmp_path):
    serving = tmp_path / "marts.duckdb"
    _stage_run(serving, "run1", customers=1)
    swap_in(serving, "run1")
    with pytest.raises(FileNotFoundError):
        swap_in(serving, "run2")
    assert os.readlink(current_folder(serving)) == "runs/run1"


def test_every_relation_a_suite_rule_reads_is_declared_so_that_spark_stages_it():
    import re

    from expectations.suites import SUITES, QualityContext

    for suite in SUITES:
        queries = " ".join(getattr(rule, "unexpected_rows_query", "") or "" for rule in suite.build(QualityContext()))
        read = set(re.findall(r"\b(?:raw|staging|intermediate|core|marts|main)\.[a-z_]+\b", queries))
        assert read <= {suite.table, *suite.reads} | {r for r in read if r.startswith("raw.")}, suite.name
    assert {"core.fct_consent_events", "main.suppression_list", "marts.mart_audience_members"} <= AUDITED_TABLES
