"""Spark for MDW_ENGINE=spark: the tables fitted in Python read their inputs from, and write their
result to, the Spark catalog dbt-spark builds into (docs/scale-out.md).

Every use of Spark outside dbt runs in a short-lived child process (`python -m dagster_project.spark
fit <table> <result>` or `snapshot <folder> <tables>`): the local catalog (a Derby metastore under MDW_SPARK_WAREHOUSE) admits one JVM at a
time, so the run's own process must never start one, or the next dbt step could not open the catalog.
The session is configured exactly as dbt's: from the `spark` output of dbt/profiles.yml, rendered
with the same environment.

Data crosses between Spark and pandas as Parquet files in a scratch folder: Spark writes each input
table; DuckDB reads it into pandas and, after the fit, writes the result cast to the types its dbt
source declares (the same cast as on DuckDB, so both engines hold the same types); Spark creates
the table from that file.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import jinja2
import yaml

from dagster_project.config import DBT_PROJECT_DIR


def spark_conf(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The Spark settings of dbt's `spark` output (dbt/profiles.yml), rendered in `environ`."""
    environ = os.environ if environ is None else environ
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    parameters = profile["marketing_dw"]["outputs"]["spark"]["server_side_parameters"]

    def env_var(name: str, default: str | None = None) -> str:
        if name in environ:
            return environ[name]
        if default is None:
            raise KeyError(f"dbt/profiles.yml needs the environment variable {name}")
        return default

    render = jinja2.Environment(autoescape=False)  # renders settings, not HTML
    return {key: render.from_string(str(value)).render(env_var=env_var) for key, value in parameters.items()}


def session() -> Any:
    """A Spark session on dbt's catalog (call in a child process only: see the module's docstring)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("marketing_dw").enableHiveSupport()
    for key, value in spark_conf().items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def fit_on_spark(name: str, result: str) -> None:
    """Compute the fitted table `name` from its inputs in the Spark catalog and replace it there;
    the rows also go to the Parquet file `result` (for the asset's metadata and the run's staging)."""
    from dagster_project.assets.fitted import FITTED_TABLES

    table = next(t for t in FITTED_TABLES if t.name == name)
    spark = session()
    try:
        _fit(spark, table, result)
    finally:
        spark.stop()


def _fit(spark: Any, table: Any, result: str) -> None:
    import duckdb

    from dagster_project.assets.fitted import fit_table, typed_select

    with tempfile.TemporaryDirectory(prefix=f"mdw-{table.name}-") as scratch, duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")

        def read(relation: str):
            folder = Path(scratch) / relation
            spark.table(relation).write.mode("overwrite").parquet(str(folder))
            return con.execute(f"select * from read_parquet('{folder}/*.parquet')").df()

        frame = fit_table(table, read)
        con.register("fitted_frame", frame)
        con.execute(f"copy ({typed_select(table, 'fitted_frame')}) to '{result}' (format parquet)")
        spark.sql(f"create database if not exists {table.schema}")
        spark.sql(f"drop table if exists {table.relation}")
        # a managed copy: the file may go once this process ends
        spark.sql(f"create table {table.relation} using parquet as select * from parquet.`{result}`")


def snapshot(folder: str, *relations: str) -> None:
    """Write each `<schema>.<table>` of the Spark catalog as Parquet into `folder/<schema>.<table>/`
    (the run's staging folder: dagster_project/serving_parquet.py)."""
    spark = session()
    try:
        for relation in relations:
            spark.table(relation).write.mode("overwrite").parquet(str(Path(folder) / relation))
    finally:
        spark.stop()


def run_child(*arguments: str) -> str:
    """`python -m dagster_project.spark <arguments>` in a child process; its output, or an error
    with the end of it."""
    done = subprocess.run([sys.executable, "-m", "dagster_project.spark", *arguments], capture_output=True,
                          text=True)
    output = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"Spark step `{' '.join(arguments)}` failed (exit {done.returncode}):\n{output[-4000:]}")
    return output


def main(arguments: list[str]) -> None:
    command, *rest = arguments
    if command == "fit":
        fit_on_spark(*rest)
    elif command == "snapshot":
        snapshot(*rest)
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
