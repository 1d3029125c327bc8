"""Resources: the DuckDB warehouse and the landing folder, configured from the environment."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb


class DuckDBWarehouse(dg.ConfigurableResource):
    """The working warehouse file. DuckDB allows one writer per file, so every connection is
    opened for the duration of one step and closed before dbt (a subprocess) writes to it."""

    path: str

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path)
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute("set enable_progress_bar = false")
            yield con
        finally:
            con.close()


class LandingZone(dg.ConfigurableResource):
    """The landing folder: `<path>/<source>/<YYYY-MM-DD>/<file>`, never edited by the warehouse."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class ServingDatabase(dg.ConfigurableResource):
    """The serving file BI reads (MDW_SERVING); replaced whole by each publish, never edited."""

    path: str
