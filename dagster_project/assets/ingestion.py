"""One ingestion asset per source feed: landing files -> raw.<table> in the warehouse."""

import dagster as dg

from dagster_project.ingest.contract import FEEDS
from dagster_project.ingest.loader import QUARANTINE, FeedFileResult, ingest_feed_file
from dagster_project.resources import DuckDBWarehouse, LandingZone

SOURCE_DESCRIPTIONS = {
    "crm": "CRM contacts, campaigns and campaign activity (CSV).",
    "orders": "Shop orders with nested customer and items (JSON lines).",
    "social": "Social media engagement events (JSON lines).",
    "survey": "NPS and CSAT survey responses (CSV).",
}


def _metadata(results: list[FeedFileResult], table: str, con) -> dict:
    files = [f for r in results for f in r.files]
    quarantined_total = con.execute(f"select count(*) from {QUARANTINE} where raw_table = ?", [table]).fetchone()[0]
    preview = con.execute(f"select * exclude (_extra) from raw.{table} order by _loaded_at desc limit 5").df()
    meta = {
        "files_loaded": sum(1 for f in files if f.status == "loaded"),
        "files_replaced": sum(1 for f in files if f.status == "replaced"),
        "files_skipped": sum(1 for f in files if f.status == "skipped"),
        "files_failed": sum(1 for f in files if f.status == "failed"),
        "rows_loaded": sum(r.rows.get(table, 0) for r in results),
        "rows_quarantined": sum(r.quarantined for r in results if r.feed_file.table.name == table),
        "dagster/row_count": con.execute(f"select count(*) from raw.{table}").fetchone()[0],
        "quarantined_total": quarantined_total,
        "seconds": round(sum(r.seconds for r in results), 3),
        "preview": dg.MetadataValue.md(preview.astype(str).to_markdown(index=False)) if len(preview) else "empty",
    }
    return meta


def build_ingestion_asset(source: str) -> dg.AssetsDefinition:
    feed_files = FEEDS[source]
    specs = [
        dg.AssetSpec(
            key=["raw", table.name],
            group_name="raw",
            kinds={"duckdb"},
            owners=["team:data-engineering"],
            description=f"{SOURCE_DESCRIPTIONS[source]} Raw rows as delivered in `{ff.filename}`, "
                        "with lineage (_source_file, _source_line, _load_id, _loaded_at).",
            tags={"source": source},
        )
        for ff in feed_files
        for table in ff.tables
    ]

    @dg.multi_asset(name=f"ingest_{source}", specs=specs, can_subset=False, op_tags={"source": source})
    def _ingest(context: dg.AssetExecutionContext, warehouse: DuckDBWarehouse, landing: LandingZone):
        results = []
        with warehouse.connect() as con:
            for ff in feed_files:
                result = ingest_feed_file(con, landing.root, ff, load_id=context.run_id)
                context.log.info(
                    f"{source}/{ff.filename}: {result.count('loaded')} loaded, {result.count('replaced')} replaced, "
                    f"{result.count('skipped')} skipped, {len(result.errors)} failed; "
                    f"{sum(result.rows.values())} rows, {result.quarantined} quarantined, {result.seconds:.1f}s"
                )
                results.append(result)
            outputs = [
                dg.MaterializeResult(asset_key=["raw", table.name], metadata=_metadata(results, table.name, con))
                for ff in feed_files
                for table in ff.tables
            ]
        errors = [f.error for r in results for f in r.errors]
        if errors:
            raise dg.Failure(
                description=f"{len(errors)} landing file(s) of source '{source}' could not be loaded "
                            f"(other files were loaded): " + "; ".join(errors),
                metadata={"errors": dg.MetadataValue.md("\n".join(f"- {e}" for e in errors))},
            )
        yield from outputs

    return _ingest


ingestion_assets = [build_ingestion_asset(source) for source in FEEDS]
