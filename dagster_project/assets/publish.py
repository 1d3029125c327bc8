"""The publish asset: the last step of write-audit-publish. It runs only when every blocking check
upstream passed (Dagster skips it otherwise), so the serving file never holds data that failed."""


from pathlib import Path

import dagster as dg

from dagster_project.assets.dbt import dbt_steps
from dagster_project.assets.fitted import FITTED_TABLES
from dagster_project.config import owners_for
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.publish import PUBLISHED_CORE_TABLES, publish
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from dagster_project.schedules import daily_freshness_policy
from dagster_project.serving_parquet import audit_database, audited_relations, staging_run_id, swap_in

PUBLISHED_KEYS = sorted(
    [key for step in dbt_steps for key in step.keys if key.path[0] == "marts"]
    + [table.key for table in FITTED_TABLES if table.schema == "marts"]
    + [dg.AssetKey(["core", name]) for name in PUBLISHED_CORE_TABLES],
    key=lambda key: key.to_user_string(),
)


def _check_results(context: dg.AssetExecutionContext) -> list[dict]:
    records = context.instance.get_records_for_run(
        run_id=context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION, limit=10_000).records
    results = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        results.append({"asset": evaluation.asset_key.to_user_string(), "check": evaluation.check_name,
                         "passed": evaluation.passed, "severity": evaluation.severity.value})
    return results


@dg.asset(key=["serving", "published_marts"], group_name="serving", deps=PUBLISHED_KEYS, kinds={"duckdb"},
          owners=owners_for("serving"), freshness_policy=daily_freshness_policy(),
          partitions_def=delivery_days, backfill_policy=ONE_DAY_PER_RUN,
          description="Copies the checked marts and core tables into a new serving file and renames it over "
                      "MDW_SERVING in one atomic step; BI reads that file read-only. On Spark the same tables "
                      "are also served as Parquet (<serving>_parquet/current), swapped in by renaming.")
def published_marts(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse,
                    serving: ServingDatabase) -> dg.MaterializeResult:
    checks = _check_results(context)
    served = Path(serving.path)
    if warehouse.engine == "spark":  # from the Parquet the run staged, then swapped in whole
        staged = staging_run_id(context.run)
        source = audit_database(served, staged)
        missing = sorted({".".join(key.path) for key in PUBLISHED_KEYS} - audited_relations(source))
        if missing:
            raise dg.Failure(f"nothing published: this run staged no {', '.join(missing)} (a Spark publish "
                             "needs every published table built in its run: launch the whole job)")
        counts = publish(source, served, context.run_id, checks, warehouse.duckdb_config)
        parquet = {"parquet_folder": dg.MetadataValue.path(str(swap_in(served, staged)))}
    else:
        counts = publish(Path(warehouse.path), served, context.run_id, checks, warehouse.duckdb_config)
        parquet = {}
    return dg.MaterializeResult(metadata={
        "serving_file": dg.MetadataValue.path(serving.path),
        **parquet,
        "tables": len(counts),
        "rows": sum(counts.values()),
        "checks_recorded": len(checks),
        "row_counts": dg.MetadataValue.md("\n".join(["| table | rows |", "|---|---:|",
                                                      *(f"| {t} | {n:,} |" for t, n in counts.items())])),
    })
