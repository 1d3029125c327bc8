"""Reads the MDW_* environment variables once, with working defaults.

Every other module (and dbt's profiles.yml, through env_var()) takes its paths from here, so
that one set of variables points the whole warehouse at another landing folder or database.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"


@dataclass(frozen=True)
class Settings:
    landing: Path
    warehouse: Path
    serving: Path
    dagster_home: Path
    exports: Path  # audience exports for activation (dagster_project/exports.py)
    # when the landing sensor counts a delivery day as complete (dagster_project/sensors.py)
    delivery_rule: str = "quiet"
    delivery_quiet_minutes: float = 10.0
    delivery_sources: tuple[str, ...] = ()


def _path(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


def get_settings() -> Settings:
    """Current settings; read at call time so tests can point the warehouse elsewhere."""
    return Settings(
        landing=_path("MDW_LANDING", "data/landing"),
        warehouse=_path("MDW_WAREHOUSE", "data/warehouse.duckdb"),
        serving=_path("MDW_SERVING", "data/marts.duckdb"),
        dagster_home=_path("DAGSTER_HOME", "data/dagster_home"),
        exports=_path("MDW_EXPORTS", "data/exports"),
        delivery_rule=os.environ.get("MDW_DELIVERY_RULE") or "quiet",
        delivery_quiet_minutes=float(os.environ.get("MDW_DELIVERY_QUIET_MINUTES") or 10),
        delivery_sources=tuple(s.strip() for s in os.environ.get("MDW_DELIVERY_SOURCES", "").split(",") if s.strip()),
    )


def export_environment(settings: Settings | None = None) -> Settings:
    """Write the resolved settings back to the environment (absolute paths) for dbt subprocesses,
    and put this interpreter's bin folder on PATH so the venv's dbt is found without activating it."""
    settings = settings or get_settings()
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ["MDW_LANDING"] = str(settings.landing)
    os.environ["MDW_WAREHOUSE"] = str(settings.warehouse)
    os.environ["MDW_SERVING"] = str(settings.serving)
    os.environ["DAGSTER_HOME"] = str(settings.dagster_home)
    os.environ["MDW_EXPORTS"] = str(settings.exports)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    return settings
