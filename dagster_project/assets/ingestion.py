"""One ingestion asset per source feed: landing files -> raw.<table> in the warehouse."""

from dataclasses import asdict
from pathlib import Path

import dagster as dg

from dagster_project.config import owners_for
from dagster_project.ingest.contract import FEEDS
from dagster_project.ingest.files import SkippedPath, scan_landing
from dagster_project.ingest.loader import FeedFileResult, ingest_feed_file
from dagster_project.ingest.manifest import QUARANTINE, FileStatus
from dagster_project.ingest.raw_parquet import sync_raw_parquet
from dagster_project.partitions import ONE_DAY_PER_RUN, delivery_days
from dagster_project.pii import mask_frame, mask_text
from dagster_project.resources import DuckDBWarehouse, LandingZone
from dagster_project.schedules import daily_freshness_policy

SOURCE_DESCRIPTIONS = {
    "crm": "CRM contacts, campaigns and campaign activity (CSV).",
    "orders": "Shop orders with nested customer and items (JSON lines).",
    "social": "Social media engagement events (JSON lines).",
    "survey": "NPS and CSAT survey responses (CSV).",
}
PATHS_CHECK = "landing_paths_recognised"


def _metadata(results: list[FeedFileResult], table: str, con) -> dict:
    files = [f for r in results for f in r.files]
    own_files = [f for r in results if r.feed_file.table.name == table for f in r.files]
    quarantined_total = con.execute(f"select count(*) from {QUARANTINE} where raw_table = ?", [table]).fetchone()[0]
    preview = con.execute(f"select * exclude (_extra) from raw.{table} order by _loaded_at desc limit 5").df()
    meta = {
        **{f"files_{status}": sum(1 for f in files if f.status == status)
           for status in (FileStatus.LOADED, FileStatus.REPLACED, FileStatus.SKIPPED, FileStatus.RETRACTED,
                          FileStatus.FAILED)},
        "rows_loaded": sum(r.rows.get(table, 0) for r in results),
        "rows_quarantined": sum(r.quarantined for r in results if r.feed_file.table.name == table),
        # per file loaded this run: optional contract columns its header lacked (loaded as null)
        "missing_optional_columns": dg.MetadataValue.json(
            {f.path: list(f.missing_columns) for f in own_files if f.missing_columns}),
        "dagster/row_count": con.execute(f"select count(*) from raw.{table}").fetchone()[0],
        "quarantined_total": quarantined_total,
        "seconds": round(sum(r.seconds for r in results), 3),
        "preview": (dg.MetadataValue.md(mask_frame(preview).astype(str).to_markdown(index=False))
                    if len(preview) else "empty"),
    }
    return meta


def _paths_check(asset_key: list[str], skipped: list[SkippedPath]) -> dg.AssetCheckResult:
    """Warn when a skipped path looks like a delivery (a misnamed day folder or file)."""
    suspicious = [s.path for s in skipped if s.looks_like_delivery]
    return dg.AssetCheckResult(
        asset_key=asset_key, check_name=PATHS_CHECK, passed=not suspicious, severity=dg.AssetCheckSeverity.WARN,
        description=("Skipped paths that look like deliveries (not loaded): " + ", ".join(suspicious)
                     if suspicious else "No skipped path looks like a delivery."),
        metadata={"paths": dg.MetadataValue.json(suspicious), "skipped_paths": len(skipped)},
    )


def build_ingestion_asset(source: str) -> dg.AssetsDefinition:
    """The ingestion multi-asset of one source; partition D loads the day folders up to D (every new,
    re-delivered or restored file among them). Paths under the landing folder that the loader skips
    are logged and listed (`skipped_paths`) on the source's first raw table, with the check
    `landing_paths_recognised`; top-level folders that are not a source are reported by the first
    source (crm) only (scan_landing)."""
    feed_files = FEEDS[source]
    first_key = ["raw", feed_files[0].table.name]
    specs = [
        dg.AssetSpec(
            key=["raw", table.name],
            group_name="raw",
            kinds={"duckdb"},
            owners=owners_for("raw"),
            freshness_policy=daily_freshness_policy(),
            description=f"{SOURCE_DESCRIPTIONS[source]} Raw rows as delivered in `{ff.filename}`, "
                        "with lineage (_source_file, _source_line, _load_id, _loaded_at).",
            tags={"source": source},
        )
        for ff in feed_files
        for table in ff.tables
    ]
    check_specs = [dg.AssetCheckSpec(
        PATHS_CHECK, asset=first_key, blocking=False,
        description="Warns when a path under the landing folder that looks like a delivery of this source "
                    "(a folder name close to a date, a file name close to a contract file name) is skipped.",
    )]

    @dg.multi_asset(name=f"ingest_{source}", specs=specs, check_specs=check_specs, can_subset=False,
                    op_tags={"source": source}, partitions_def=delivery_days,
                    backfill_policy=ONE_DAY_PER_RUN)
    def _ingest(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, landing: LandingZone):
        skipped = scan_landing(landing.root, source)
        for s in skipped:
            log = context.log.warning if s.looks_like_delivery else context.log.info
            log(f"Skipped landing path {s.path}: {s.reason}"
                + (" (looks like a delivery: not loaded)" if s.looks_like_delivery else ""))
        results = []
        through_day = context.partition_key if context.has_partition_key else None
        with warehouse.connect() as con:
            for ff in feed_files:
                result = ingest_feed_file(con, landing.root, ff, load_id=context.run_id, through_day=through_day)
                context.log.info(
                    f"{source}/{ff.filename}: {result.count(FileStatus.LOADED)} loaded, "
                    f"{result.count(FileStatus.REPLACED)} replaced, {result.count(FileStatus.SKIPPED)} skipped, "
                    f"{result.count(FileStatus.RETRACTED)} retracted, "
                    f"{len(result.errors)} failed; "
                    f"{sum(result.rows.values())} rows, {result.quarantined} quarantined, {result.seconds:.1f}s"
                )
                results.append(result)
            if warehouse.engine == "spark":  # Spark reads the raw layer as Parquet (ingest/raw_parquet.py)
                synced = sync_raw_parquet(con, Path(warehouse.raw_parquet))
                context.log.info(f"Parquet raw layer: {synced.files_written} file(s) written, "
                                 f"{synced.files_removed} removed, under {warehouse.raw_parquet}")
            listed = {"skipped_paths": dg.MetadataValue.json([asdict(s) for s in skipped])}
            outputs = [
                dg.MaterializeResult(asset_key=["raw", table.name], metadata={
                    **_metadata(results, table.name, con), **(listed if ["raw", table.name] == first_key else {})})
                for ff in feed_files
                for table in ff.tables
            ]
        # a reader's error may quote the offending line: mask it before it reaches the event log
        errors = [mask_text(f.error) for r in results for f in r.errors]
        if errors:
            raise dg.Failure(
                description=f"{len(errors)} landing file(s) of source '{source}' could not be loaded "
                            f"(other files were loaded): " + "; ".join(errors),
                metadata={"errors": dg.MetadataValue.md("\n".join(f"- {e}" for e in errors))},
            )
        yield from outputs
        yield _paths_check(first_key, skipped)

    return _ingest


ingestion_assets = [build_ingestion_asset(source) for source in FEEDS]
