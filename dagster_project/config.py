"""Reads the MDW_* environment variables once, with working defaults.

Every other module (and dbt's profiles.yml, through env_var()) takes its paths from here, so
that one set of variables points the whole warehouse at another landing folder or database.
"""

from __future__ import annotations

import os
import re
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
    # DuckDB's resources, the same for the loader, dbt, the checks and the publish
    duckdb_memory_limit: str = ""  # e.g. "8GB"; empty: DEFAULT_MEMORY_SHARE of the memory
    duckdb_threads: int = 0  # 0: every core
    duckdb_temp_directory: Path | None = None  # spill folder; None: beside the warehouse file
    # what builds the dbt models (docs/scale-out.md): the embedded DuckDB, or Spark through dbt-spark,
    # reading the raw layer as Parquet files the loader writes under raw_parquet
    engine: str = "duckdb"
    raw_parquet: Path = Path("data/raw_parquet")
    spark_warehouse: Path = Path("data/spark/warehouse")  # Spark's tables and its local catalog

    @property
    def duckdb_config(self) -> dict[str, str | int]:
        """The settings every DuckDB connection of the warehouse opens with."""
        return duckdb_config(self.warehouse, self.duckdb_memory_limit, self.duckdb_threads,
                             self.duckdb_temp_directory)


# DuckDB takes 80% of the machine's memory unless told otherwise; the refresh also runs Dagster,
# dbt and the Python models (value and look-alike fits, pandas) beside it. DuckDB's process grows
# past its limit (at scale 10 the dbt process peaked 3.7 GB above a limit of 8 GB): with two fifths
# a scale-10 full refresh peaked at 12.35 GB on 24 GB, with a third at 11.75 GB (docs/benchmarks.md).
DEFAULT_MEMORY_SHARE = 1 / 3


def duckdb_config(warehouse: Path | str, memory_limit: str = "", threads: int = 0,
                  temp_directory: Path | str | None = None) -> dict[str, str | int]:
    """DuckDB settings with the defaults filled in: memory limit DEFAULT_MEMORY_SHARE of the
    machine's physical memory (DuckDB's own default is 80%), every core, spilling beside the
    warehouse file."""
    if not memory_limit:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        memory_limit = f"{int(total * DEFAULT_MEMORY_SHARE / 2**20)}MB"
    return {"memory_limit": memory_limit, "threads": threads or os.cpu_count() or 1,
            "temp_directory": str(temp_directory or f"{warehouse}.tmp")}


# Who answers for each asset group in the Dagster UI (the "Owners" of an asset): data engineering
# for what lands and the customer 360 it is built into, marketing analytics for the marts, seeds
# and audiences it reads and edits. MDW_ASSET_OWNERS replaces the owners of named groups.
DATA_ENGINEERING = "team:data-engineering"
MARKETING_ANALYTICS = "team:marketing-analytics"
DEFAULT_ASSET_OWNERS: dict[str, tuple[str, ...]] = {
    "raw": (DATA_ENGINEERING,), "staging": (DATA_ENGINEERING,), "core": (DATA_ENGINEERING,),
    "serving": (DATA_ENGINEERING,), "dbt": (DATA_ENGINEERING,),
    "segments": (MARKETING_ANALYTICS,), "channels": (MARKETING_ANALYTICS,), "audiences": (MARKETING_ANALYTICS,),
    "seeds": (MARKETING_ANALYTICS,),
}
_OWNER = re.compile(r"^(team:[\w.-]+|[^@\s]+@[^@\s]+\.[^@\s]+)$")

# The daily refresh runs at 06:00 (Asia/Shanghai) and takes minutes to an hour: an asset last
# updated more than a day and a couple of hours ago missed a run (WARN), more than 30 hours ago it
# missed the day (FAIL). MDW_FRESHNESS_WARN_HOURS and MDW_FRESHNESS_FAIL_HOURS change the windows.
DEFAULT_FRESHNESS_WARN_HOURS = 26.0
DEFAULT_FRESHNESS_FAIL_HOURS = 30.0


def asset_owners(value: str | None = None) -> dict[str, tuple[str, ...]]:
    """Owners by asset group: the defaults, with the groups named in MDW_ASSET_OWNERS (or `value`)
    replaced. Written `group=owner` pairs separated by commas, a group named once per owner:
    `segments=team:growth,segments=jane@example.com,seeds=team:growth`. An owner is `team:<name>`
    or an email address."""
    value = os.environ.get("MDW_ASSET_OWNERS", "") if value is None else value
    given: dict[str, list[str]] = {}
    for pair in filter(None, (p.strip() for p in value.split(","))):
        group, _, owner = (part.strip() for part in pair.partition("="))
        if not group or not _OWNER.match(owner):
            raise ValueError(f"MDW_ASSET_OWNERS: {pair!r} is not group=owner with owner team:<name> or an email")
        given.setdefault(group, []).append(owner)
    return {**DEFAULT_ASSET_OWNERS, **{group: tuple(owners) for group, owners in given.items()}}


def owners_for(group: str | None, owners: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """The owners of an asset group (data engineering for a group nobody named)."""
    owners = asset_owners() if owners is None else owners
    return list(owners.get(group or "", (DATA_ENGINEERING,)))


def freshness_hours() -> tuple[float, float]:
    """(warn, fail): hours since an asset's last update after which the UI shows it late, then stale."""
    warn = float(os.environ.get("MDW_FRESHNESS_WARN_HOURS") or DEFAULT_FRESHNESS_WARN_HOURS)
    fail = float(os.environ.get("MDW_FRESHNESS_FAIL_HOURS") or DEFAULT_FRESHNESS_FAIL_HOURS)
    if not 0 < warn < fail:
        raise ValueError(f"MDW_FRESHNESS_WARN_HOURS ({warn}) must be above 0 and below MDW_FRESHNESS_FAIL_HOURS ({fail})")
    return warn, fail


def _path(name: str, default: str) -> Path:
    value = os.environ.get(name) or default
    path = Path(value)
    return path if path.is_absolute() else (Path.cwd() / path).resolve()


ENGINES = ("duckdb", "spark")


def engine_setting(value: str | None = None) -> str:
    """MDW_ENGINE (or `value`): duckdb (default) or spark."""
    value = (os.environ.get("MDW_ENGINE", "") if value is None else value).strip().lower() or "duckdb"
    if value not in ENGINES:
        raise ValueError(f"MDW_ENGINE must be one of {', '.join(ENGINES)}, got {value!r}")
    return value


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
        duckdb_memory_limit=os.environ.get("MDW_DUCKDB_MEMORY_LIMIT", "").strip(),
        duckdb_threads=int(os.environ.get("MDW_DUCKDB_THREADS") or 0),
        duckdb_temp_directory=_path("MDW_DUCKDB_TEMP_DIR", "") if os.environ.get("MDW_DUCKDB_TEMP_DIR") else None,
        engine=engine_setting(),
        raw_parquet=_path("MDW_RAW_PARQUET", "data/raw_parquet"),
        spark_warehouse=_path("MDW_SPARK_WAREHOUSE", "data/spark/warehouse"),
    )


def connect_duckdb(path: Path | str, config: dict[str, str | int] | None = None, read_only: bool = False):
    """A DuckDB connection in UTC with the given settings (default: the current settings' memory
    limit, threads and spill folder)."""
    import duckdb

    config = get_settings().duckdb_config if config is None else config
    con = duckdb.connect(str(path), read_only=read_only, config=dict(config))
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    return con


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
    # the dbt profile's target, and where Spark finds the raw layer and keeps its tables
    os.environ["MDW_ENGINE"] = settings.engine
    os.environ["MDW_RAW_PARQUET"] = str(settings.raw_parquet)
    os.environ["MDW_SPARK_WAREHOUSE"] = str(settings.spark_warehouse)
    # dbt's profile reads these (its spill folder defaults to <MDW_WAREHOUSE>.tmp unless set)
    config = settings.duckdb_config
    os.environ["MDW_DUCKDB_MEMORY_LIMIT"] = str(config["memory_limit"])
    os.environ["MDW_DUCKDB_THREADS"] = str(config["threads"])
    if settings.duckdb_temp_directory:
        os.environ["MDW_DUCKDB_TEMP_DIR"] = str(settings.duckdb_temp_directory)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    return settings
