"""The tables fitted in Python (value model, Markov attribution, look-alike model) as Dagster assets.

Each reads the dbt tables it needs through the engine, computes its table with mdw_stats
(mdw_stats/tables.py: pandas in, pandas out) and writes it back; the dbt models downstream read it as
a source (dbt/models/*/_fitted__sources.yml, where its description, columns and tests live), and its
dbt tests run in the dbt build as checks of this asset. These used to be dbt Python models, which
dbt-spark's session mode cannot run: as assets they run the same code on either engine.

The job builds the dbt project in the steps of DBT_STEPS (dagster_project/assets/dbt.py) around
these assets. On Spark each runs in a child process on Spark's catalog (dagster_project/spark.py).
"""

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from dagster_project.assets.dbt import translator
from dagster_project.config import engine_setting, owners_for
from dagster_project.dbt_project import dbt_project
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from dagster_project.serving_parquet import snapshot_relations, staging_folder, staging_run_id
from dagster_project.spark import run_child
from mdw_stats import tables


@dataclass(frozen=True)
class FittedTable:
    source: str  # the dbt source that declares it
    schema: str
    name: str
    group: str
    inputs: tuple[str, ...]  # relations schema.table, passed to `compute` in this order
    compute: Callable[..., pd.DataFrame]
    variables: dict[str, str]  # keyword argument of `compute` -> dbt var it takes its value from
    describe: Callable[[pd.DataFrame], dict[str, Any]] | None = None  # metadata for the UI

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.name])


def value_model_metadata(fits: pd.DataFrame) -> dict[str, Any]:
    """The value model's fitted parameters and log-likelihoods, per fit."""
    metadata: dict[str, Any] = {}
    for fit in fits.sort_values("fit", ascending=False).to_dict("records"):
        prefix = fit["fit"]
        metadata[f"{prefix}_status"] = str(fit["status"]) + (f": {fit['message']}" if pd.notna(fit["message"]) else "")
        if fit["status"] == "fitted":
            for name in ("r", "alpha", "a", "b", "bgnbd_log_likelihood", "p", "q", "v", "gamma_gamma_log_likelihood"):
                metadata[f"{prefix}_{name}"] = dg.MetadataValue.float(round(float(fit[name]), 6))
            metadata[f"{prefix}_customers"] = int(fit["customers"])
    return metadata


def holdout_metadata(holdout: pd.DataFrame) -> dict[str, Any]:
    """The value model's holdout check: predicted against actual repeat purchases."""
    if holdout.empty:
        return {}
    overall = holdout[holdout["frequency_group"] == "all"].iloc[0]
    return {"holdout_predicted_purchases": float(overall["predicted_purchases"]),
            "holdout_actual_purchases": int(overall["actual_purchases"]),
            "holdout_error_share": float(overall["error_share"]),
            "holdout_by_frequency_group": dg.MetadataValue.md(holdout.to_markdown(index=False))}


def lookalike_metadata(fit_rows: pd.DataFrame) -> dict[str, Any]:
    """The look-alike model's holdout check (AUC, top-decile lift)."""
    fit = fit_rows.iloc[0]
    metadata: dict[str, Any] = {"status": str(fit["status"]) + (f": {fit['message']}" if pd.notna(fit["message"]) else "")}
    for name in ("auc", "top_decile_lift", "test_best_share"):
        if pd.notna(fit[name]):
            metadata[name] = dg.MetadataValue.float(round(float(fit[name]), 4))
    for name in ("train_customers", "test_customers"):
        if pd.notna(fit[name]):
            metadata[name] = int(fit[name])
    return metadata


SUMMARY = "intermediate.int_customer_orders_summarised"
FEATURES = "intermediate.int_lookalike_features"
VALUE_FITS = "marts.mart_value_model_fit"
FITTED_TABLES = (
    FittedTable("fitted_marts", "marts", "mart_value_model_fit", "segments", (SUMMARY,), tables.value_model_fits,
                {"holdout_days": "value_model_holdout_days"}, value_model_metadata),
    FittedTable("fitted_marts", "marts", "mart_value_model_holdout", "segments", (SUMMARY, VALUE_FITS),
                tables.value_model_holdout, {}, holdout_metadata),
    FittedTable("fitted_intermediate", "intermediate", "int_customer_value_predicted", "segments",
                (SUMMARY, VALUE_FITS), tables.value_predictions, {"horizon_days": "value_model_horizon_days"}),
    FittedTable("fitted_marts", "marts", "mart_attribution_markov", "channels",
                ("intermediate.int_attribution_transitions",), tables.markov_attribution, {}),
    FittedTable("fitted_marts", "marts", "mart_lookalike_model_fit", "audiences", (FEATURES,), tables.lookalike_fit,
                {"holdout_days": "lookalike_holdout_days"}, lookalike_metadata),
    FittedTable("fitted_marts", "marts", "mart_prospect_scores", "audiences", (FEATURES,), tables.prospect_scores, {}),
)


@cache
def _sources() -> dict[str, dict[str, Any]]:
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    return {f"{node['source_name']}.{node['name']}": node for node in manifest["sources"].values()}


def declared_columns(table: FittedTable) -> dict[str, dict[str, Any]]:
    """The table's columns as its dbt source declares them, in order: name -> {data_type, description}."""
    return _sources()[f"{table.source}.{table.name}"]["columns"]


def fit_table(table: FittedTable, read: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """`table` computed from its inputs as `read` returns them, with the dbt project's vars, in the
    declared columns' order; a column missing or not declared is an error."""
    variables = translator.project_vars
    arguments = {name: int(variables[var]) for name, var in table.variables.items()}
    frame = table.compute(*(read(relation) for relation in table.inputs), **arguments)
    declared = list(declared_columns(table))
    if set(frame.columns) != set(declared):
        raise ValueError(f"{table.relation}: computed columns {sorted(frame.columns)} differ from those declared "
                         f"in its dbt source {sorted(declared)}")
    return frame.loc[:, declared]


def typed_select(table: FittedTable, frame_name: str) -> str:
    """`frame_name`'s columns cast to the types the dbt source declares (the same on every engine)."""
    return "select " + ", ".join(f"cast({name} as {column['data_type']}) as {name}"
                                 for name, column in declared_columns(table).items()) + f" from {frame_name}"


def write_duckdb(con, table: FittedTable, frame: pd.DataFrame) -> None:
    """Replace the table with `frame`'s rows, typed as declared, in one transaction."""
    con.register("fitted_frame", frame)
    try:
        con.execute("begin")
        con.execute(f"create schema if not exists {table.schema}")
        con.execute(f"create or replace table {table.relation} as {typed_select(table, 'fitted_frame')}")
        con.execute("commit")
    finally:
        con.unregister("fitted_frame")


def create_empty_duckdb(con, table: FittedTable) -> None:
    """The table with its declared columns and no rows, unless it exists (dbt unit tests read the
    types of a model's inputs)."""
    columns = ", ".join(f"{name} {column['data_type']}" for name, column in declared_columns(table).items())
    con.execute(f"create schema if not exists {table.schema}")
    con.execute(f"create table if not exists {table.relation} ({columns})")


def _column_schema(table: FittedTable) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(name, column["data_type"], column.get("description") or None)
                                   for name, column in declared_columns(table).items()])


def _asset(table: FittedTable) -> dg.AssetsDefinition:
    source = _sources()[f"{table.source}.{table.name}"]

    @dg.asset(key=table.key, deps=[dg.AssetKey(relation.split(".")) for relation in table.inputs],
              group_name=table.group, owners=owners_for(table.group), kinds={"python", engine_setting()},
              description=" ".join(source["description"].split()), partitions_def=delivery_days,
              backfill_policy=ONE_DAY_PER_RUN)
    def fitted(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse,
               serving: ServingDatabase) -> dg.MaterializeResult:
        if warehouse.engine == "spark":  # in a child process, on Spark's catalog (dagster_project/spark.py)
            with tempfile.TemporaryDirectory(prefix="mdw-fitted-") as scratch:
                result = Path(scratch) / "result.parquet"
                run_child("fit", table.name, str(result))
                frame = pd.read_parquet(result)
                if snapshot_relations([table.relation]):  # served: into the run's staging folder
                    staged = staging_folder(Path(serving.path), staging_run_id(context.run)) / table.relation
                    staged.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(result, staged / "part-00000.parquet")
        else:
            with warehouse.connect() as con:
                frame = fit_table(table, lambda relation: con.execute(f"select * from {relation}").df())
                write_duckdb(con, table, frame)
        metadata = {"dagster/row_count": len(frame), "dagster/column_schema": _column_schema(table),
                    **(table.describe(frame) if table.describe else {})}
        return dg.MaterializeResult(metadata=metadata)

    return fitted


fitted_assets = [_asset(table) for table in FITTED_TABLES]
