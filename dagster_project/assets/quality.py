"""Great Expectations suites (expectations/) as Dagster asset checks on the assets they guard.

Blocking checks stop everything downstream of their asset when they fail: a raw feed that fails
stops the dbt build; a customer 360 or mart table that fails stops the publish.
"""

from pathlib import Path

import dagster as dg

from dagster_project.publish import published_row_counts
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from expectations.suites import SUITES, QualityContext, Suite


def _suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=dg.AssetKey(list(suite.asset_key)), name=suite.name, blocking=suite.blocking,
                    description=f"Great Expectations suite {suite.name}: {suite.description}")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBWarehouse,
               serving: ServingDatabase) -> dg.AssetCheckResult:
        from expectations.engine import data_docs_index, validate

        quality = QualityContext(previous_row_counts=published_row_counts(Path(serving.path)))
        docs_root = Path(warehouse.path).parent / "quality_docs"
        outcome = validate(Path(warehouse.path), [suite], quality, docs_root=docs_root)[0]
        failed = outcome.failed
        for expectation in failed:
            context.log.error(f"{suite.name} on {suite.table}: {expectation.describe()}")
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=("all expectations met" if outcome.success
                         else "; ".join(e.describe() for e in failed)),
            metadata={
                "table": suite.table,
                "expectations": len(outcome.expectations),
                "failed_expectations": [e.expectation for e in failed],
                "unexpected_counts": {e.expectation: e.unexpected_count for e in failed},
                "unexpected_samples": {e.expectation: e.sample[:5] for e in failed},
                "seconds": round(outcome.seconds, 2),
                "data_docs": dg.MetadataValue.path(str(data_docs_index(docs_root))),
            },
        )

    return _check


quality_checks = [_suite_check(suite) for suite in SUITES]
