"""dbt models as Dagster assets (dagster-dbt), grouped by the folder they live in."""

import importlib.metadata
import os
import shutil
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import yaml
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliInvocation, DbtCliResource, dbt_assets
from packaging import version
from pydantic import Field

from dagster_project.config import asset_owners, owners_for
from dagster_project.dbt_project import dbt_project
from dagster_project.dbt_test_descriptions import describe_test
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from dagster_project.serving_parquet import snapshot_relations, staging_folder, staging_run_id
from dagster_project.spark import run_child

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
        self._fitted: tuple[Mapping[str, Any], set[dg.AssetKey]] | None = None

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
        if self._fitted is None or self._fitted[0] is not manifest:  # asked once per test: scan the sources once
            self._fitted = (manifest, fitted_keys(manifest))
        if spec.asset_key in self._fitted[1]:
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


def dbt_build_args(full_refresh: bool = False) -> list[str]:
    """`dbt build`, with `--full-refresh` when asked.

    A test runs when every model it reads is built in this invocation or upstream of one that is
    (`buildable` indirect selection): a relationships test from a mart to dim_customers runs with
    the mart, in whichever step builds it, while a subset launched from the UI never runs a test
    against a model it neither built nor needed (it may not exist yet). dbt unit tests check the
    SQL, not the data: they run in the test suite's fast tier and CI (`dbt test --select
    test_type:unit`), not in every refresh, as dbt recommends for production builds. The date the
    marts are computed as of reaches dbt as MDW_AS_OF (_profile_points_at), not as a `--vars`: dbt
    parses the whole project again whenever its command-line vars change (15-20 s a step here)."""
    build = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    return [*build, "--full-refresh"] if full_refresh else build


def as_of_day(partition_key: str | None) -> str:
    """The run's partition as the marts' as-of date (refused early when it is not a date); '' when
    the run has no partition (dbt then takes the latest order date)."""
    if not partition_key:
        return ""
    try:
        return date.fromisoformat(partition_key).isoformat()
    except ValueError as error:
        raise dg.Failure(f"as_of must be a date written YYYY-MM-DD, got {partition_key!r}") from error


class WarehouseDbt(DbtCliResource):
    """dagster-dbt's dbt resource without the two things it does in the run's process before each
    dbt start, 10 s or more a step on this machine: running `dbt --version` (the version is the installed
    dbt-core's: the executable is the dbt beside this interpreter, dagster_project/dbt_child.py),
    and loading a dbt adapter to read row counts and columns back (with_table_metadata reads them
    from DuckDB directly)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


@contextmanager
def _profile_points_at(warehouse: DuckDBWarehouse, as_of: str = ""):
    """dbt's profile reads MDW_ENGINE (its target), MDW_WAREHOUSE and the MDW_DUCKDB_* settings: give
    the dbt process this run's engine, warehouse (an absolute path: dbt runs in the project folder)
    and its DuckDB memory limit, threads and spill folder, and the date the marts are computed as of
    (MDW_AS_OF, dbt/macros/as_of_date.sql), for the duration of the build only."""
    config = warehouse.duckdb_config
    values = {"MDW_ENGINE": warehouse.engine, "MDW_WAREHOUSE": str(Path(warehouse.path).resolve()),
              "MDW_DUCKDB_MEMORY_LIMIT": str(config["memory_limit"]), "MDW_DUCKDB_THREADS": str(config["threads"]),
              "MDW_DUCKDB_TEMP_DIR": str(config["temp_directory"]), "MDW_AS_OF": as_of}
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


def keep_partial_parse(invocation: DbtCliInvocation) -> None:
    """Make the parse state this dbt invocation left the one the next invocation starts from.

    dagster-dbt starts each invocation from the project's target/partial_parse.msgpack, written by
    `mdw prepare`. dbt re-parses the whole project (~15 s here) when the profile's connection
    differs from the one parsed with, as it does for every new warehouse path: without this, each
    of a run's three dbt steps would pay it again. dbt checks the saved state against every file's
    checksum, the profile and the vars, so a state from another warehouse only costs a full parse."""
    state = Path(invocation.target_path) / "partial_parse.msgpack"
    if not state.exists():
        return
    kept = Path(dbt_project.project_dir) / "target" / state.name
    staged = kept.with_name(f".{state.name}.{os.getpid()}.tmp")
    shutil.copyfile(state, staged)
    os.replace(staged, kept)


TABLE_EVENTS = (dg.Output, dg.AssetMaterialization)


def with_table_metadata(invocation: DbtCliInvocation, warehouse: DuckDBWarehouse) -> Iterator[Any]:
    """The build's events, each built model's and seed's with its row count (`dagster/row_count`,
    tables only: a view's count would run its query) and its columns' names, DuckDB types and YAML
    descriptions (`dagster/column_schema`), read from the warehouse once the dbt process has exited
    (it holds the DuckDB file until then). Tests' results are passed through untouched."""
    def enrich(tables: Iterable[Any]) -> Iterator[Any]:
        tables = list(tables)
        built = [built_node(invocation, event) for event in tables]
        with warehouse.connect(read_only=True) as con:
            described = describe_relations(con, [(node["schema"], node["alias"]) for node in built])
        for event, node in zip(tables, built, strict=True):
            found = described.get((node["schema"], node["alias"]))
            if found is None:  # a model that failed leaves no relation
                yield event
                continue
            rows, columns = found
            documented = node.get("columns") or {}
            schema = dg.TableSchema(columns=[
                dg.TableColumn(name, data_type, (documented.get(name) or {}).get("description") or None)
                for name, data_type in columns])
            metadata = {**event.metadata, "dagster/column_schema": schema}
            if rows is not None:
                metadata["dagster/row_count"] = rows
            yield event.with_metadata(metadata)

    yield from attach_to_tables(invocation.stream(), enrich)


def built_node(invocation: DbtCliInvocation, event: Any) -> dict[str, Any]:
    """The manifest node (model or seed) a table event of the build reports."""
    return invocation.manifest["nodes"][event.metadata["unique_id"].value]


def describe_relations(con, relations: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int | None, list]]:
    """(schema, name) -> (row count, or None for a view; [(column, DuckDB type)] in column order)
    of each of these relations that exists in the database."""
    if not relations:
        return {}
    wanted = set(relations)
    columns: dict[tuple[str, str], list] = {}
    for schema, name, column, data_type in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() order by schema_name, table_name, column_index").fetchall():
        if (schema, name) in wanted:
            columns.setdefault((schema, name), []).append((column, data_type))
    tables = {tuple(row) for row in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database()").fetchall()}
    counted = sorted(wanted & tables)
    counts = dict(zip(counted, con.execute(" union all ".join(
        f"select count(*) from \"{schema}\".\"{name}\"" for schema, name in counted)).fetchall(), strict=True)
    ) if counted else {}
    return {relation: (counts[relation][0] if relation in counts else None, found)
            for relation, found in columns.items()}


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
    def step(context: dg.AssetExecutionContext, dbt: WarehouseDbt, warehouse: DuckDBWarehouse,
             serving: ServingDatabase, dbt_build: DbtBuildOptions) -> Iterator[Any]:
        """Builds (runs and tests) the selected dbt models as of the run's partition (a delivery
        day): incremental models process what changed since their last build, unless the run asks
        for a full refresh. dbt tests are reported as asset checks.

        On Spark every build is a full refresh (Parquet tables take no DELETE: docs/scale-out.md;
        the key registry and the audience snapshots keep their rows through it); the tables'
        row counts and columns are not read back (that would start Spark in this process, and the
        local catalog admits one process at a time); and the built tables that are served or
        audited are written to the run's staging folder (dagster_project/serving_parquet.py)."""
        spark = warehouse.engine == "spark"
        as_of = as_of_day(context.partition_key if context.has_partition_key else None)
        with _profile_points_at(warehouse, as_of):
            invocation = dbt.cli(dbt_build_args(dbt_build.full_refresh or spark), context=context)
            built: list[str] = []
            try:
                if spark:
                    for event in invocation.stream():
                        if isinstance(event, TABLE_EVENTS):
                            node = built_node(invocation, event)
                            built.append(f"{node['schema']}.{node['alias']}")
                        yield event
                else:
                    yield from with_table_metadata(invocation, warehouse)
            finally:
                keep_partial_parse(invocation)
            if staged := snapshot_relations(built):
                run_child("snapshot", str(staging_folder(Path(serving.path), staging_run_id(context.run))), *staged)

    return step


dbt_steps = [_dbt_step(name, select, exclude) for name, (select, exclude) in DBT_STEPS.items()]
