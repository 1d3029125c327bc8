"""dbt models as Dagster assets (dagster-dbt), grouped by the folder they live in."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from dagster_project.config import DBT_PROJECT_DIR, export_environment

export_environment()  # dbt's profile reads MDW_WAREHOUSE; the venv's dbt must be on PATH
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():  # fresh clone outside `dagster dev`: parse once
    dbt_project.preparer.prepare(dbt_project)

# identity resolution (intermediate) is part of building the customer 360, so it shows under core
LAYER_GROUPS = {"staging": "staging", "intermediate": "core", "core": "core", "marts": "marts"}


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt folders -> asset groups; dbt sources -> the raw.<table> keys the ingestion assets own."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(["raw", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        layer = fqn[1] if len(fqn) > 2 else None
        if dbt_resource_props["resource_type"] == "seed":
            return "seeds"
        return LAYER_GROUPS.get(layer, "dbt")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:analytics-engineering"]


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            name="dbt_models")
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Builds (runs and tests) the selected dbt models; dbt tests are reported as asset checks."""
    yield from dbt.cli(["build"], context=context).stream()
