"""Shared fixtures: a small generated landing folder (built once) and isolated warehouse paths.

The dbt project is parsed (when it changed) before the tests are collected: importing the code
location parses nothing itself.
"""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.config import Settings, export_environment
from mdw.demo.generator import generate

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


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Warehouse, serving, exports and Dagster home under tmp_path, exported for dbt subprocesses."""
    for name in ("MDW_LANDING", "MDW_WAREHOUSE", "MDW_SERVING", "MDW_EXPORTS", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    s = Settings(landing=tmp_path / "landing", warehouse=tmp_path / "warehouse.duckdb",
                 serving=tmp_path / "marts.duckdb", dagster_home=tmp_path / "dagster_home",
                 exports=tmp_path / "exports")
    s.dagster_home.mkdir()
    export_environment(s)
    return s


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "test.duckdb"))
    connection.execute("set enable_progress_bar = false")
    yield connection
    connection.close()
