"""The one Definitions object of the code location; it only assembles what lives below."""

import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from dagster_project.assets.dbt import dbt_models, dbt_project
from dagster_project.assets.ingestion import ingestion_assets
from dagster_project.config import export_environment
from dagster_project.jobs import daily_refresh_job
from dagster_project.resources import DuckDBWarehouse, LandingZone
from dagster_project.schedules import daily_refresh_schedule

settings = export_environment()
# the dbt installed beside this Python, so the venv works without being activated
_venv_dbt = Path(sys.executable).parent / "dbt"
DBT_EXECUTABLE = str(_venv_dbt) if _venv_dbt.exists() else (shutil.which("dbt") or "dbt")

defs = dg.Definitions(
    assets=[*ingestion_assets, dbt_models],
    jobs=[daily_refresh_job],
    schedules=[daily_refresh_schedule],
    resources={
        "warehouse": DuckDBWarehouse(path=str(settings.warehouse)),
        "landing": LandingZone(path=str(settings.landing)),
        "dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir),
                              dbt_executable=DBT_EXECUTABLE),
    },
    executor=dg.in_process_executor,
)
