"""Shared fixtures: a small generated landing folder (built once) and isolated warehouse paths.

The dbt project is parsed (when it changed) before the tests are collected: importing the code
location parses nothing itself.
"""

import os
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.config import Settings, export_environment
from mdw.demo.generator import generate

# the schemas dbt builds, and the columns saying when or from which load a row was built, not what
# it holds: left out when two warehouses built from the same files are compared
BUILT_SCHEMAS = ("staging", "intermediate", "core", "marts")
BUILD_COLUMNS = {"_loaded_at", "_staged_at", "_load_id", "_source_file", "_source_line", "loaded_at", "resolved_at",
                 "key_changed_at", "key_created_at", "previous_customer_key"}
SMALL = {"start_date": date(2026, 1, 1), "days": 45, "scale": 0.03, "seed": 11}


def pytest_configure(config):
    from dagster_project.dbt_project import prepare_dbt_project

    prepare_dbt_project()


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    """~3k people over 45 days: every kind of messiness and malformed row, in a few seconds."""
    root = tmp_path_factory.mktemp("small")
    generate(root / "landing", progress=False, **SMALL)
    return root / "landing"


def settings_under(root: Path) -> Settings:
    """Landing, warehouse, serving, exports and Dagster home under one folder."""
    return Settings(landing=root / "landing", warehouse=root / "warehouse.duckdb", serving=root / "marts.duckdb",
                    dagster_home=root / "dagster_home", exports=root / "exports")


def settings_env(settings: Settings) -> dict[str, str]:
    """This process's environment pointed at these settings, for an `mdw` subprocess."""
    return {**os.environ, "MDW_LANDING": str(settings.landing), "MDW_WAREHOUSE": str(settings.warehouse),
            "MDW_SERVING": str(settings.serving), "MDW_EXPORTS": str(settings.exports),
            "DAGSTER_HOME": str(settings.dagster_home)}


def built_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(schema, table) of every table dbt built in this warehouse, sorted."""
    return con.execute(f"""
        select schema_name, table_name from duckdb_tables()
        where schema_name in ({", ".join(f"'{s}'" for s in BUILT_SCHEMAS)}) order by 1, 2
    """).fetchall()


def run_daily_refresh(settings: Settings, run_config: dict | None = None, partition: str | None = None):
    """One in-process run of daily_refresh on these settings (exported for dbt) for one delivery
    day (default: the newest day in the landing folder); its result."""
    from dagster_project.definitions import build_definitions
    from dagster_project.partitions import landing_days

    settings.dagster_home.mkdir(exist_ok=True)
    export_environment(settings)
    defs = build_definitions(settings)
    with dg.instance_for_test(temp_dir=str(settings.dagster_home)) as instance:
        return defs.resolve_job_def("daily_refresh").execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config,
            partition_key=partition or landing_days(settings.landing)[-1])


@pytest.fixture(scope="session")
def published_demo(small_landing, tmp_path_factory):
    """One clean run of the whole job on the small demo landing folder (with its ground truth
    beside it), shared by the end-to-end modules: read it, or copy it before changing anything."""
    root = tmp_path_factory.mktemp("published")
    shutil.copytree(small_landing, root / "landing")
    shutil.copytree(small_landing.parent / "ground_truth", root / "ground_truth")
    return root, run_daily_refresh(settings_under(root))


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Warehouse, serving, exports and Dagster home under tmp_path, exported for dbt subprocesses."""
    for name in ("MDW_LANDING", "MDW_WAREHOUSE", "MDW_SERVING", "MDW_EXPORTS", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    s = settings_under(tmp_path)
    s.dagster_home.mkdir()
    export_environment(s)
    return s


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "test.duckdb"))
    connection.execute("set enable_progress_bar = false")
    yield connection
    connection.close()
