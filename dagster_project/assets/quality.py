"""Quality rules as Dagster asset checks on the assets they guard.

- One check per Great Expectations suite (expectations/suites.py).
- `delivery_volume` and `delivery_freshness` on the raw table of every feed file, computed in
  Python from the load manifest (expectations/delivery.py): every feed is judged once its
  history is long enough, none is singled out by name.

Every check is blocking. One that fails with ERROR severity (a blocking rule failed) stops
everything downstream of its asset: a raw feed stops the dbt build, a customer 360 or mart table
stops the publish. One that fails with WARN (only warning rules failed) is reported and the build
goes on. Which rule blocks and which warns: expectations/settings.py.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from dagster_project.ingest.contract import FEEDS, FeedFile
from dagster_project.publish import published_row_counts
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from dagster_project.serving_parquet import audit_database, audited_relations, staging_run_id
from expectations.delivery import Judgement, delivery_history, judge_freshness, judge_volume, last_delivered
from expectations.engine import CheckVerdict, RuleOutcome, check_verdict, data_docs_index, validate
from expectations.settings import FRESHNESS_MAX_AGE_HOURS, WARN
from expectations.suites import SUITES, QualityContext, Suite


def _result(context: dg.AssetCheckExecutionContext, verdict: CheckVerdict,
            metadata: dict[str, Any]) -> dg.AssetCheckResult:
    """Report a verdict: severity WARN when only warning rules failed, else ERROR."""
    if verdict.blocked:
        context.log.error(verdict.description)
    elif verdict.warned:
        context.log.warning(verdict.description)
    return dg.AssetCheckResult(
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.WARN if verdict.severity == WARN else dg.AssetCheckSeverity.ERROR,
        description=verdict.description,
        metadata={**metadata, "blocked_by": verdict.blocked, "warned_by": verdict.warned},
    )


def _suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(list(suite.asset_key)), name=suite.name, blocking=suite.blocking,
                    description=f"Great Expectations suite {suite.name}: {suite.description}")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBWarehouse,
               serving: ServingDatabase) -> dg.AssetCheckResult:
        quality = QualityContext(previous_row_counts=published_row_counts(Path(serving.path)))
        docs_root = Path(warehouse.path).parent / "quality_docs"
        outcome = validate(_audited_database(context, suite, warehouse, serving), [suite], quality,
                           docs_root=docs_root, duckdb_config=warehouse.duckdb_config)[0]
        failed = outcome.failed
        return _result(context, check_verdict([e.rule_outcome for e in outcome.expectations]), {
            "table": suite.table,
            "expectations": len(outcome.expectations),
            "failed_expectations": [e.expectation for e in failed],
            "unexpected_counts": {e.expectation: e.unexpected_count for e in failed},
            "unexpected_samples": {e.expectation: e.sample[:5] for e in failed},
            "seconds": round(outcome.seconds, 2),
            # this run's validation page (its breadcrumb leads to the index of every run)
            "data_docs": dg.MetadataValue.path(str(outcome.docs_page or data_docs_index(docs_root))),
        })

    return _check


def _audited_database(context: dg.AssetCheckExecutionContext, suite: Suite, warehouse: DuckDBWarehouse,
                      serving: ServingDatabase) -> Path:
    """Where the suite's table is: the DuckDB warehouse (every raw table: the loader is DuckDB's on
    either engine); on Spark, the Parquet files this run staged for the publish, which the suite
    then checks as they will be served (dagster_project/serving_parquet.py)."""
    if warehouse.engine != "spark" or suite.table.startswith("raw."):
        return Path(warehouse.path)
    database = audit_database(Path(serving.path), staging_run_id(context.run))
    if suite.table not in audited_relations(database):
        raise dg.Failure(f"{suite.table} is not among the tables this run staged on Spark: build it in the same run "
                         "as its check (launch the whole job, or select the asset with its check)")
    return database


def _judged(context: dg.AssetCheckExecutionContext, rule: str, judgement: Judgement) -> dg.AssetCheckResult:
    verdict = check_verdict([RuleOutcome(rule, judgement.outcome, f"{rule}: {judgement.message}")])
    return _result(context, verdict, judgement.metadata)


def _delivery_checks(feed_file: FeedFile) -> list[dg.AssetChecksDefinition]:
    asset = dg.AssetKey(["raw", feed_file.table.name])

    @dg.asset_check(asset=asset, name="delivery_volume", blocking=True,
                    description=f"Rows of the newest {feed_file.filename} against the feed's recent deliveries "
                                "(same weekday when the feed has a weekly rhythm): warns outside the noise band, "
                                "blocks a delivery far under its level. See docs/quality-rules.md.")
    def _volume(context: dg.AssetCheckExecutionContext, warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            history = delivery_history(con, feed_file.source, feed_file.filename)
        return _judged(context, "delivery_volume", judge_volume(history))

    @dg.asset_check(asset=asset, name="delivery_freshness", blocking=True,
                    description=f"Hours since source {feed_file.source} last delivered a file: warns past "
                                f"{FRESHNESS_MAX_AGE_HOURS} h. See docs/quality-rules.md.")
    def _freshness(context: dg.AssetCheckExecutionContext, warehouse: DuckDBWarehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            delivered = last_delivered(con, feed_file.source)
        now = datetime.now(UTC).replace(tzinfo=None)  # the manifest holds naive UTC times
        return _judged(context, "delivery_freshness", judge_freshness(feed_file.source, delivered, now))

    return [_volume, _freshness]


quality_checks = [
    *(_suite_check(suite) for suite in SUITES),
    *(check for feed_files in FEEDS.values() for feed_file in feed_files for check in _delivery_checks(feed_file)),
]
