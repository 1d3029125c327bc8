"""The audience exports: files for activation, written only after the publish, so only when every
blocking check passed (mart_audience_exports_suite among them)."""

from pathlib import Path

import dagster as dg

from dagster_project.assets.publish import published_marts
from dagster_project.config import connect_duckdb, owners_for
from dagster_project.exports import write_exports
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.resources import DuckDBWarehouse, ExportFolder, ServingDatabase
from dagster_project.serving_parquet import create_views, current_folder

AUDIENCE_EXPORT_ROWS = dg.AssetKey(["marts", "mart_audience_exports"])


@dg.asset(key=["exports", "audience_exports"], group_name="audiences", deps=[AUDIENCE_EXPORT_ROWS, published_marts],
          kinds={"csv"}, owners=owners_for("audiences"), partitions_def=delivery_days,
          backfill_policy=ONE_DAY_PER_RUN,
          description="One CSV per audience and channel with only what the channel needs (the address for "
                      "owned channels, SHA-256 hashes for ad platforms) and a JSON manifest each, under "
                      "MDW_EXPORTS/<as_of>/; the control group never leaves. Written after the publish, so a "
                      "failed blocking check writes no export.")
def audience_exports(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, serving: ServingDatabase,
                     exports: ExportFolder) -> dg.MaterializeResult:
    if warehouse.engine == "spark":  # the marts as just published (dagster_project/serving_parquet.py)
        with connect_duckdb(":memory:", warehouse.duckdb_config) as con:
            create_views(con, current_folder(Path(serving.path)))
            folder, files = write_exports(con, exports.root, context.run_id)
    else:
        with warehouse.connect() as con:
            folder, files = write_exports(con, exports.root, context.run_id)
    table = ["| audience | channel | rows | sha256 |", "|---|---|---:|---|",
             *(f"| {f.audience} | {f.channel} | {f.rows:,} | {f.sha256[:12]} |" for f in files)]
    return dg.MaterializeResult(metadata={
        "folder": dg.MetadataValue.path(str(folder)),
        "as_of": files[0].as_of if files else None,
        "files": len(files),
        "rows": sum(f.rows for f in files),
        "exports": dg.MetadataValue.md("\n".join(table)),
    })
