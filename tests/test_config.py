"""DuckDB's memory limit, threads and spill folder come from settings, for every step alike; the
engine setting; Spark outside dbt configured as dbt's."""

import os

import pytest

from dagster_project.assets.dbt import _profile_points_at
from dagster_project.config import get_settings
from dagster_project.resources import DuckDBWarehouse
from dagster_project.spark import spark_conf


def test_duckdb_settings_default_to_a_third_of_the_memory_and_every_core(monkeypatch, tmp_path):
    for name in ("MDW_DUCKDB_MEMORY_LIMIT", "MDW_DUCKDB_THREADS", "MDW_DUCKDB_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MDW_WAREHOUSE", str(tmp_path / "w.duckdb"))
    config = get_settings().duckdb_config
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert abs(int(config["memory_limit"].removesuffix("MB")) - total_mb / 3) <= 1
    assert config["threads"] == os.cpu_count()
    assert config["temp_directory"] == str(tmp_path / "w.duckdb") + ".tmp"


def test_the_warehouse_connection_and_dbt_get_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("MDW_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("MDW_DUCKDB_THREADS", "1")
    monkeypatch.setenv("MDW_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    settings = get_settings()
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), memory_limit=settings.duckdb_memory_limit,
                                threads=settings.duckdb_threads, temp_directory=str(settings.duckdb_temp_directory))
    with warehouse.connect() as con:
        got = con.execute("select current_setting('memory_limit'), current_setting('threads'), "
                          "current_setting('temp_directory')").fetchone()
    assert got[0] == "953.6 MiB" and got[1] == 1  # 1 GB, shown in MiB and got[2] == str(tmp_path / "spill")
    monkeypatch.setenv("MDW_DUCKDB_MEMORY_LIMIT", "before")
    with _profile_points_at(warehouse):  # what dbt's profile reads during the build
        assert (os.environ["MDW_DUCKDB_MEMORY_LIMIT"], os.environ["MDW_DUCKDB_THREADS"]) == ("1GB", "1")
        assert os.environ["MDW_WAREHOUSE"] == str(tmp_path / "w.duckdb")
    assert os.environ["MDW_DUCKDB_MEMORY_LIMIT"] == "before"


def test_the_engine_setting_takes_duckdb_or_spark_only(monkeypatch, tmp_path):
    monkeypatch.delenv("MDW_ENGINE", raising=False)
    assert get_settings().engine == "duckdb"
    monkeypatch.setenv("MDW_ENGINE", " Spark ")
    monkeypatch.setenv("MDW_SPARK_WAREHOUSE", str(tmp_path / "spark"))
    settings = get_settings()
    assert (settings.engine, settings.spark_warehouse) == ("spark", tmp_path / "spark")
    monkeypatch.setenv("MDW_ENGINE", "snowflake")
    with pytest.raises(ValueError, match="MDW_ENGINE must be one of duckdb, spark, got 'snowflake'"):
        get_settings()


def test_spark_outside_dbt_gets_the_dbt_profile_settings():
    """The fitted tables' Spark session (dagster_project/spark.py) opens the catalog dbt builds into:
    the profile's settings, rendered in the same environment."""
    conf = spark_conf({"MDW_SPARK_WAREHOUSE": "/data/sw", "MDW_DUCKDB_THREADS": "6"})
    assert conf["spark.master"] == "local[6]"
    assert conf["spark.sql.warehouse.dir"] == "/data/sw"
    assert conf["spark.hadoop.javax.jdo.option.ConnectionURL"] == "jdbc:derby:;databaseName=/data/sw/metastore_db;create=true"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert spark_conf({"MDW_SPARK_MASTER": "local[16]"})["spark.master"] == "local[16]"
