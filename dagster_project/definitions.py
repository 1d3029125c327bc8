"""The one Definitions object of the code location; it only assembles what lives below."""

import dagster as dg

from dagster_project.assets.dbt import DbtBuildOptions, WarehouseDbt, dbt_project, dbt_steps
from dagster_project.assets.exports import audience_exports
from dagster_project.assets.fitted import fitted_assets
from dagster_project.assets.ingestion import ingestion_assets
from dagster_project.assets.publish import published_marts
from dagster_project.assets.quality import quality_checks
from dagster_project.config import Settings, get_settings
from dagster_project.dbt_child import dbt_executable
from dagster_project.jobs import daily_refresh_job
from dagster_project.resources import DuckDBWarehouse, ExportFolder, LandingZone, ServingDatabase
from dagster_project.schedules import daily_refresh_schedule
from dagster_project.sensors import abandoned_runs_sensor, landing_delivery_sensor


def build_definitions(settings: Settings) -> dg.Definitions:
    """Definitions wired to one set of paths (tests build their own on temporary folders)."""
    return dg.Definitions(
        # code references: each asset links to the Python that defines it (dbt assets also to their SQL)
        assets=dg.with_source_code_references([*ingestion_assets, *dbt_steps, *fitted_assets, published_marts, audience_exports]),
        asset_checks=quality_checks,
        jobs=[daily_refresh_job],
        schedules=[daily_refresh_schedule],
        sensors=[landing_delivery_sensor, abandoned_runs_sensor],
        resources={
            "warehouse": DuckDBWarehouse(path=str(settings.warehouse), memory_limit=settings.duckdb_memory_limit,
                                         threads=settings.duckdb_threads,
                                         temp_directory=str(settings.duckdb_temp_directory or ""),
                                         engine=settings.engine, raw_parquet=str(settings.raw_parquet)),
            "landing": LandingZone(path=str(settings.landing), delivery_rule=settings.delivery_rule,
                                   quiet_minutes=settings.delivery_quiet_minutes,
                                   expected_sources=list(settings.delivery_sources)),
            "serving": ServingDatabase(path=str(settings.serving)),
            "exports": ExportFolder(path=str(settings.exports)),
            # dbt through `mdw-dbt`, which dies with the run's process (no orphan holding the warehouse)
            "dbt": WarehouseDbt(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir),
                                dbt_executable=dbt_executable()),
            "dbt_build": DbtBuildOptions.configure_at_launch(),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions(get_settings())  # reads the MDW_* variables; changes nothing
