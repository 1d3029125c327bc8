"""dbt models as Dagster assets (dagster-dbt), grouped by the folder they live in."""

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from pydantic import Field

from dagster_project.dbt_project import dbt_project
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.resources import DuckDBWarehouse

dbt_project.prepare_if_dev()  # under `dagster dev` only; otherwise the command that runs prepares it
if not dbt_project.manifest_path.exists():
    raise FileNotFoundError(f"{dbt_project.manifest_path} is missing: run `mdw prepare` (or `mdw run`, "
                            "`mdw ui`, `dagster dev`), which parse the dbt project, before loading the code location")

LAYER_GROUPS = {"staging": "staging", "core": "core"}
# models under intermediate/<domain> and marts/<domain>: identity resolution is part of building the
# customer 360, so it shows under core; the segment and value marts with their helpers as segments;
# channel economics and attribution as channels; campaign audiences as audiences
DOMAIN_GROUPS = {"identity": "core", "segments": "segments", "channels": "channels", "audiences": "audiences"}


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt folders -> asset groups; dbt sources -> the raw.<table> keys the ingestion assets own."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        if len(fqn) > 3 and fqn[2] in DOMAIN_GROUPS:
            return DOMAIN_GROUPS[fqn[2]]
        return LAYER_GROUPS.get(fqn[1] if len(fqn) > 2 else None, "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:analytics-engineering"]


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


VALUE_MODEL_FIT = dg.AssetKey(["marts", "mart_value_model_fit"])
VALUE_MODEL_HOLDOUT = dg.AssetKey(["marts", "mart_value_model_holdout"])
LOOKALIKE_FIT = dg.AssetKey(["marts", "mart_lookalike_model_fit"])


class DbtBuildConfig(dg.Config):
    """Run configuration of the dbt build."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild every incremental model from the raw tables (`dbt build --full-refresh`) instead of "
        "processing what changed. The key registry and key history are kept either way.",
    )


def dbt_build_args(as_of: str | None, full_refresh: bool = False) -> list[str]:
    """`dbt build` as of a date (the run's partition; refused early when it is not a date), with
    `--full-refresh` when asked.

    Tests run only when every model they read is built (`cautious` indirect selection): a subset
    launched from the UI would otherwise run, say, a relationships test against a model it did not
    build and fail on a missing table. dbt unit tests check the SQL, not the data: they run in the
    test suite's fast tier and CI (`dbt test --select test_type:unit`), not in every refresh, as
    dbt recommends for production builds."""
    build = ["build", "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]
    if full_refresh:
        build.append("--full-refresh")
    if not as_of:
        return build
    try:
        day = date.fromisoformat(as_of)
    except ValueError as error:
        raise dg.Failure(f"as_of must be a date written YYYY-MM-DD, got {as_of!r}") from error
    return [*build, "--vars", json.dumps({"as_of": day.isoformat()})]


@contextmanager
def _profile_points_at(warehouse: DuckDBWarehouse):
    """dbt's profile reads MDW_WAREHOUSE and the MDW_DUCKDB_* settings: give the dbt process this
    run's warehouse (an absolute path: dbt runs in the project folder) and its DuckDB memory limit,
    threads and spill folder, for the duration of the build only."""
    config = warehouse.duckdb_config
    values = {"MDW_WAREHOUSE": str(Path(warehouse.path).resolve()),
              "MDW_DUCKDB_MEMORY_LIMIT": str(config["memory_limit"]), "MDW_DUCKDB_THREADS": str(config["threads"]),
              "MDW_DUCKDB_TEMP_DIR": str(config["temp_directory"])}
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def lookalike_metadata(con) -> dict[str, Any]:
    """The look-alike model's holdout check (AUC, top-decile lift), for the Dagster UI."""
    fit = con.execute("select * from marts.mart_lookalike_model_fit").df().iloc[0]
    metadata: dict[str, Any] = {"status": str(fit["status"]) + (f": {fit['message']}" if pd.notna(fit["message"]) else "")}
    for name in ("auc", "top_decile_lift", "test_best_share"):
        if pd.notna(fit[name]):
            metadata[name] = dg.MetadataValue.float(round(float(fit[name]), 4))
    for name in ("train_customers", "test_customers"):
        if pd.notna(fit[name]):
            metadata[name] = int(fit[name])
    return metadata


def value_model_metadata(con) -> dict[str, Any]:
    """The value model's fitted parameters, log-likelihoods and holdout check, for the Dagster UI."""
    metadata: dict[str, Any] = {}
    fits = con.execute("select * from marts.mart_value_model_fit order by fit desc").df()
    for fit in fits.to_dict("records"):
        prefix = fit["fit"]
        metadata[f"{prefix}_status"] = str(fit["status"]) + (f": {fit['message']}" if pd.notna(fit["message"]) else "")
        if fit["status"] == "fitted":
            for name in ("r", "alpha", "a", "b", "bgnbd_log_likelihood", "p", "q", "v", "gamma_gamma_log_likelihood"):
                metadata[f"{prefix}_{name}"] = dg.MetadataValue.float(round(float(fit[name]), 6))
            metadata[f"{prefix}_customers"] = int(fit["customers"])
    holdout = con.execute("select * from marts.mart_value_model_holdout").df()
    if not holdout.empty:
        overall = holdout[holdout["frequency_group"] == "all"].iloc[0]
        metadata["holdout_predicted_purchases"] = float(overall["predicted_purchases"])
        metadata["holdout_actual_purchases"] = int(overall["actual_purchases"])
        metadata["holdout_error_share"] = float(overall["error_share"])
        metadata["holdout_by_frequency_group"] = dg.MetadataValue.md(holdout.to_markdown(index=False))
    return metadata


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            name="dbt_models", partitions_def=delivery_days,
            backfill_policy=ONE_DAY_PER_RUN)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse, config: DbtBuildConfig
) -> Iterator[Any]:
    """Builds (runs and tests) the selected dbt models as of the run's partition (a delivery day):
    incremental models process what changed since their last build, unless the run asks for a
    full refresh. dbt tests are reported as asset checks.
    After a build that fitted the value model or the look-alike model, their parameters and holdout
    checks are recorded as observations of mart_value_model_fit and mart_lookalike_model_fit."""
    with _profile_points_at(warehouse):
        as_of = context.partition_key if context.has_partition_key else None
        yield from dbt.cli(dbt_build_args(as_of, config.full_refresh), context=context).stream()
    observed = [(key, read) for key, read, needs in (
        (VALUE_MODEL_FIT, value_model_metadata, {VALUE_MODEL_FIT, VALUE_MODEL_HOLDOUT}),
        (LOOKALIKE_FIT, lookalike_metadata, {LOOKALIKE_FIT})) if needs <= context.selected_asset_keys]
    if observed:
        with warehouse.connect() as con:
            for key, read in observed:
                yield dg.AssetObservation(asset_key=key, metadata=read(con))
