"""dbt models as Dagster assets (dagster-dbt), grouped by the folder they live in."""

import json
import os
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliInvocation, DbtCliResource, dbt_assets
from dagster_dbt.core.dbt_event_iterator import DbtEventIterator
from pydantic import Field

from dagster_project.config import asset_owners, owners_for
from dagster_project.dbt_project import dbt_project
from dagster_project.dbt_test_descriptions import describe_test
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


FITTED_SOURCES = ("fitted_marts", "fitted_intermediate")  # written by dagster_project/assets/fitted.py


def fitted_keys(manifest: Mapping[str, Any]) -> set[dg.AssetKey]:
    """The asset keys of the tables fitted in Python (the dbt sources FITTED_SOURCES)."""
    return {dg.AssetKey([source["schema"], source["name"]]) for source in manifest["sources"].values()
            if source["source_name"] in FITTED_SOURCES}


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt folders -> asset groups; dbt sources -> the <schema>.<table> keys of the assets that write
    them (raw.<table>: ingestion; the tables fitted in Python: dagster_project/assets/fitted.py);
    owners by group (MDW_ASSET_OWNERS) unless the model's YAML names them (`meta: dagster: owners`);
    a description on every dbt test's asset check (dagster_project.dbt_test_descriptions)."""

    def __init__(self, settings: DagsterDbtTranslatorSettings | None = None,
                 owners: dict[str, tuple[str, ...]] | None = None):
        super().__init__(settings)
        self._owners = asset_owners() if owners is None else owners

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":  # raw.<table>, or a table fitted in Python
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        if len(fqn) > 3 and fqn[2] in DOMAIN_GROUPS:
            return DOMAIN_GROUPS[fqn[2]]
        return LAYER_GROUPS.get(fqn[1] if len(fqn) > 2 else None, "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str]:
        declared = next((meta["dagster"]["owners"] for meta in (dbt_resource_props.get("meta"),
                         (dbt_resource_props.get("config") or {}).get("meta"))
                         if meta and (meta.get("dagster") or {}).get("owners")), None)
        return list(declared) if declared else owners_for(self.get_group_name(dbt_resource_props), self._owners)

    def get_asset_check_spec(self, asset_spec: dg.AssetSpec, manifest: Mapping[str, Any], unique_id: str,
                             project: Any) -> dg.AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        description = describe_test(test, manifest, self.project_vars)
        if spec.asset_key in fitted_keys(manifest):
            # a table fitted in Python, checked by the dbt step after the one that feeds it: were the
            # check blocking, the assets downstream of the table would have to wait for that later
            # step (a cycle). A failed test still fails its dbt step, and so stops the publish.
            return spec._replace(description=description, blocking=False)
        return spec._replace(description=description)

    @cached_property
    def project_vars(self) -> dict[str, Any]:
        """dbt_project.yml's vars, to write `{{ var('source_systems') }}` in a description as its values."""
        project_file = Path(dbt_project.project_dir) / "dbt_project.yml"
        return (yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}).get("vars") or {}


# code references: each dbt asset links to its SQL (or seed CSV) file, besides the Python of dbt_models
# (definitions.py adds every asset's Python); Dagster 1.13 marks them beta on every load, hence the filter
warnings.filterwarnings("ignore", category=dg.BetaWarning, message=r"(Function `with_source_code_references`|"
                        r"Class `(CodeReferencesMetadataValue|LocalFileCodeReference)`) is currently in beta")
translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True,
                                                                       enable_source_tests_as_checks=True,
                                                                       enable_code_references=True))


class DbtBuildOptions(dg.ConfigurableResource):
    """How a run builds the dbt models, set once per run (the launchpad's `resources: dbt_build`):
    the job runs the dbt asset in several steps (before and after the tables fitted in Python), and
    each of them reads it."""

    full_refresh: bool = Field(
        default=False,
        description="Rebuild every incremental model from the raw tables (`dbt build --full-refresh`) instead of "
        "processing what changed. The key registry and key history are kept either way.",
    )


def dbt_build_args(as_of: str | None, full_refresh: bool = False) -> list[str]:
    """`dbt build` as of a date (the run's partition; refused early when it is not a date), with
    `--full-refresh` when asked.

    A test runs when every model it reads is built in this invocation or upstream of one that is
    (`buildable` indirect selection): a relationships test from a mart to dim_customers runs with
    the mart, in whichever step builds it, while a subset launched from the UI never runs a test
    against a model it neither built nor needed (it may not exist yet). dbt unit tests check the SQL, not the data: they run in the
    test suite's fast tier and CI (`dbt test --select test_type:unit`), not in every refresh, as
    dbt recommends for production builds."""
    build = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
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
    """dbt's profile reads MDW_ENGINE (its target), MDW_WAREHOUSE and the MDW_DUCKDB_* settings: give
    the dbt process this run's engine, warehouse (an absolute path: dbt runs in the project folder)
    and its DuckDB memory limit, threads and spill folder, for the duration of the build only."""
    config = warehouse.duckdb_config
    values = {"MDW_ENGINE": warehouse.engine, "MDW_WAREHOUSE": str(Path(warehouse.path).resolve()),
              "MDW_DUCKDB_MEMORY_LIMIT": str(config["memory_limit"]), "MDW_DUCKDB_THREADS": str(config["threads"]),
              "MDW_DUCKDB_TEMP_DIR": str(config["temp_directory"])}
    if warehouse.raw_parquet:
        values["MDW_RAW_PARQUET"] = str(Path(warehouse.raw_parquet).resolve())
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


TABLE_EVENTS = (dg.Output, dg.AssetMaterialization)


def with_table_metadata(invocation: DbtCliInvocation) -> Iterator[Any]:
    """The build's events, each built model's and seed's with its row count (`dagster/row_count`,
    tables only: a view's count would run its query) and its column names and types
    (`dagster/column_schema`), which the UI shows on the asset beside the YAML's column descriptions.

    dagster-dbt reads them through the dbt adapter of this process (read-only on DuckDB) once the
    dbt process has exited, so they never contend for the warehouse file with dbt; for DuckDB it
    holds the events back until then anyway. Tests' results are passed through untouched rather
    than given to dagster-dbt, which would look up a table for each of them (several seconds for
    the ~350 tests, for nothing). Column lineage is off: sqlglot takes ~20 s per build to derive it.
    The adapter's connection is closed afterwards (close_adapter_connections)."""

    def enrich(tables: Iterable[Any]) -> Iterator[Any]:
        # dagster-dbt's fetch_row_counts and fetch_column_metadata, on the models' and seeds' events only
        events = DbtEventIterator(iter(tables), invocation).fetch_row_counts().fetch_column_metadata(
            with_column_lineage=False)
        return map(with_duckdb_type_names, events)

    try:
        yield from attach_to_tables(invocation.stream(), enrich)
    finally:
        close_adapter_connections(invocation)


_DBT_STRING_TYPE = re.compile(r"^character varying(\(\d+\))?$")


def with_duckdb_type_names(event: Any) -> Any:
    """dbt names every DuckDB VARCHAR `character varying(256)`: DuckDB's strings have no length, so
    the column schema shows VARCHAR, as DuckDB itself does."""
    schema = event.metadata.get("dagster/column_schema")
    if schema is None:
        return event
    columns = [dg.TableColumn(c.name, "VARCHAR" if _DBT_STRING_TYPE.match(c.type) else c.type, c.description,
                              c.constraints, c.tags) for c in schema.value.columns]
    return event.with_metadata({**event.metadata, "dagster/column_schema": dg.TableSchema(columns=columns)})


def close_adapter_connections(invocation: DbtCliInvocation) -> None:
    """Close the connection dagster-dbt's adapter opened to read row counts and columns.

    dbt-duckdb (1.11) keeps its DuckDB database open after the last query (`keep_open` defaults to
    true). Left open, this process would hold the warehouse read-only until the run ends: every
    later step's connection (checks, publish, the model observations below) would fail with "Can't
    open a connection to same database file with a different configuration", and no other process
    could write the file."""
    adapter = invocation.adapter
    if adapter is None:
        return
    adapter.cleanup_connections()
    manager = type(adapter.connections)
    environment = getattr(manager, "_ENV", None)  # dbt-duckdb's process-wide database handle
    if environment is not None and hasattr(environment, "close"):
        environment.close()
        getattr(manager, "close_all_connections", lambda: None)()


def attach_to_tables(events: Iterable[Any], enrich: Callable[[Iterable[Any]], Iterator[Any]]) -> Iterator[Any]:
    """All events in their order, the tables' ones replaced by `enrich`'s (which keeps their order).
    The events are read to the end first (the dbt process has then exited); an error the stream
    raised (a failed dbt build) is raised again after every event was yielded."""
    collected, error = [], None
    try:
        for event in events:
            collected.append(event)
    except Exception as caught:  # re-raised below, after the events dbt did emit
        error = caught
    enriched = iter(enrich([e for e in collected if isinstance(e, TABLE_EVENTS)]))
    for event in collected:
        yield next(enriched) if isinstance(event, TABLE_EVENTS) else event
    if error is not None:
        raise error


# The job builds the dbt project in three steps around the tables fitted in Python
# (dagster_project/assets/fitted.py), which dbt reads as the sources fitted_marts and
# fitted_intermediate: everything they do not feed; then what reads the value model and the Markov
# attribution (customer value, decline, profile, channel attribution, the look-alike features);
# then what reads the look-alike model (the audiences).
AFTER_LOOKALIKE = "source:fitted_marts.mart_prospect_scores+ source:fitted_marts.mart_lookalike_model_fit+"
DBT_STEPS = {
    "dbt_models": ("fqn:*", "source:fitted_marts+ source:fitted_intermediate+"),
    "dbt_models_after_fits": ("source:fitted_marts+ source:fitted_intermediate+", AFTER_LOOKALIKE),
    "dbt_models_after_lookalike": (AFTER_LOOKALIKE, ""),
}


def _dbt_step(name: str, select: str, exclude: str) -> dg.AssetsDefinition:
    @dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
                name=name, select=select, exclude=exclude or None, partitions_def=delivery_days,
                backfill_policy=ONE_DAY_PER_RUN)
    def step(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBWarehouse,
             dbt_build: DbtBuildOptions) -> Iterator[Any]:
        """Builds (runs and tests) the selected dbt models as of the run's partition (a delivery
        day): incremental models process what changed since their last build, unless the run asks
        for a full refresh. dbt tests are reported as asset checks.

        On Spark every build is a full refresh (Parquet tables take no DELETE: docs/scale-out.md;
        the key registry and the audience snapshots keep their rows through it), and the tables'
        row counts and columns are not read back: dagster-dbt would start Spark in this process,
        and the local catalog admits one process at a time."""
        spark = warehouse.engine == "spark"
        with _profile_points_at(warehouse):
            as_of = context.partition_key if context.has_partition_key else None
            invocation = dbt.cli(dbt_build_args(as_of, dbt_build.full_refresh or spark), context=context)
            yield from invocation.stream() if spark else with_table_metadata(invocation)

    return step


dbt_steps = [_dbt_step(name, select, exclude) for name, (select, exclude) in DBT_STEPS.items()]
