"""Resources: the DuckDB warehouse and the landing folder, configured from the environment."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from dagster_project import warehouse_lock
from dagster_project.config import connect_duckdb, duckdb_config
from dagster_project.runs import process_tags


class DuckDBWarehouse(dg.ConfigurableResource):
    """The working warehouse file. DuckDB allows one writer per file, so every connection is
    opened for the duration of one step and closed before dbt (a subprocess) writes to it.

    A run that uses this resource holds the warehouse lock (dagster_project.warehouse_lock) from
    its start to its end, so a run launched from the UI, the schedule, a sensor or `mdw run`
    waits for the one already writing instead of colliding with it.
    """

    path: str
    memory_limit: str = Field(default="", description="DuckDB memory_limit, e.g. '8GB' (MDW_DUCKDB_MEMORY_LIMIT); "
                              "empty: a third of the machine's memory")
    threads: int = Field(default=0, description="DuckDB threads (MDW_DUCKDB_THREADS); 0: every core")
    temp_directory: str = Field(default="", description="where DuckDB spills (MDW_DUCKDB_TEMP_DIR); "
                                "empty: <warehouse>.tmp")
    engine: str = Field(default="duckdb", description="what builds the dbt models (MDW_ENGINE): duckdb, or spark, "
                        "which reads the raw tables of this file as Parquet under raw_parquet")
    raw_parquet: str = Field(default="", description="the raw layer as Parquet for Spark (MDW_RAW_PARQUET)")

    @property
    def duckdb_config(self) -> dict[str, str | int]:
        return duckdb_config(self.path, self.memory_limit, self.threads, self.temp_directory)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is None:  # direct use outside a run (tests, tools)
            return

        def tell(holder: warehouse_lock.Holder | None) -> None:
            who = holder.describe() if holder else "another process"
            context.log.info(f"Waiting for {who}, which is writing the warehouse {self.path}")

        warehouse_lock.acquire(Path(self.path), "dagster run", context.run.run_id, on_wait=tell)
        if context.instance is not None:  # which process runs it: a dead one is found and failed
            context.instance.add_run_tags(context.run.run_id, process_tags())

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.run is not None:
            warehouse_lock.release(Path(self.path))

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = connect_duckdb(self.path, self.duckdb_config, read_only=read_only)
        try:
            yield con
        finally:
            con.close()


class LandingZone(dg.ConfigurableResource):
    """The landing folder: `<path>/<source>/<YYYY-MM-DD>/<file>`, never edited by the warehouse.

    The delivery settings tell the landing sensor when a day's delivery is complete
    (dagster_project/sensors.py).
    """

    path: str
    delivery_rule: str = Field(default="quiet", description="'quiet': every expected source present and "
                               "unchanged for quiet_minutes; 'marker': every expected source wrote _SUCCESS")
    quiet_minutes: float = Field(default=10.0, description="minutes without change before a day counts as complete")
    expected_sources: list[str] = Field(default_factory=list, description="sources a complete day must hold; "
                                        "empty: those that delivered on at least half of the last 14 days")

    @property
    def root(self) -> Path:
        return Path(self.path)


class ServingDatabase(dg.ConfigurableResource):
    """The serving file BI reads (MDW_SERVING); replaced whole by each publish, never edited."""

    path: str


class ExportFolder(dg.ConfigurableResource):
    """Where audience exports are written for activation (MDW_EXPORTS): one folder per as-of date."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)
