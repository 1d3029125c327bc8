"""Jobs are asset selections; the daily refresh runs everything in one run."""

import dagster as dg

daily_refresh_job = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every landing feed, build and test the dbt models, run the quality checks, "
    "and publish the marts when every blocking check passed.",
    # DuckDB allows one writer per file: run steps one after another in one process.
    executor_def=dg.in_process_executor,
)
