"""Run Great Expectations suites where the data is: in DuckDB, through SQLAlchemy (duckdb-engine).

One fix, kept small: Great Expectations opens and closes a SQLAlchemy connection per query unless
the dialect is listed in ``_PERSISTED_CONNECTION_DIALECTS``; with DuckDB the rollback on close
empties the shared cursor before GE fetches, and every expectation fails with
``MetricResolutionError: list index out of range`` (great_expectations issues 10738 and 11579).
GE already keeps one persistent connection for SQLite and others; :func:`register_duckdb_persistent_connection`
adds DuckDB to that list. ``tests/quality/test_engine.py`` fails without it.

Great Expectations is imported inside functions: it adds seconds to every code-location load.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from dagster_project.pii import mask_record, mask_text, mask_value
from expectations.settings import BLOCK, PASS, WARN, failure_severity
from expectations.suites import QualityContext, Suite


class _DialectName(str):
    """A plain "duckdb" that also answers ``.value``, as GE's dialect enum members do."""

    @property
    def value(self) -> str:
        return str(self)


def register_duckdb_persistent_connection() -> None:
    """Make GE keep one connection per execution engine for DuckDB (idempotent)."""
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    if "duckdb" not in engine_module._PERSISTED_CONNECTION_DIALECTS:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (
            *engine_module._PERSISTED_CONNECTION_DIALECTS, _DialectName("duckdb"))


def _without_spark_connect() -> None:
    """Keep Great Expectations from importing Spark Connect, which this project never uses.

    With the spark extra installed, GE imports ``pyspark.sql.connect`` to recognise
    Spark Connect frames; pyspark then checks Connect's own dependencies (grpcio and others, not
    installed) and, in a process whose ``__main__`` has no file (a Dagster step launched by the
    daemon or the webserver), takes itself for a doctest run and calls ``sys.exit(0)``: the check
    step dies. Marking the module absent makes GE's import fail softly, as without pyspark."""
    sys.modules.setdefault("pyspark.sql.connect", None)


class RuleOutcome(NamedTuple):
    rule: str
    outcome: str  # PASS, WARN or BLOCK (expectations.settings)
    description: str  # one line that names the rule


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    sample: list[Any]
    error: str | None = None
    query: str | None = None  # the SQL rule of an UnexpectedRowsExpectation

    def describe(self) -> str:
        """One line for people; the sample and error are masked already (see _outcome, _sample_rows)."""
        where = f" on {self.column}" if self.column else ""
        detail = f"{self.unexpected_count} unexpected" if self.unexpected_count is not None else "failed"
        sample = f", e.g. {self.sample[:5]}" if self.sample else ""
        return f"{self.expectation}{where}: {self.error or detail}{sample}"

    @property
    def rule_outcome(self) -> RuleOutcome:
        return RuleOutcome(self.expectation, PASS if self.success else failure_severity(self.expectation),
                           self.describe())


@dataclass(frozen=True)
class CheckVerdict:
    """What one Dagster check reports for its rules: it fails with BLOCK severity when a blocking
    rule failed, with WARN when only warning rules did."""

    passed: bool
    severity: str  # PASS, WARN or BLOCK
    description: str
    blocked: list[str]
    warned: list[str]


def check_verdict(outcomes: list[RuleOutcome]) -> CheckVerdict:
    """The verdict of a check from its rules' outcomes. The description gives each failed rule
    with what it does, blocking ones first: `BLOCK nps_between_0_and_10: ...; WARN status_accepted: ...`."""
    blocked = [o for o in outcomes if o.outcome == BLOCK]
    warned = [o for o in outcomes if o.outcome == WARN]
    if not blocked and not warned:
        description = (outcomes[0].description if len(outcomes) == 1 else f"all {len(outcomes)} rules met"
                       if outcomes else "no rule applies to this run (nothing to compare with yet)")
        return CheckVerdict(True, PASS, description, [], [])
    description = "; ".join(f"{o.outcome.upper()} {o.description}" for o in [*blocked, *warned])
    return CheckVerdict(False, BLOCK if blocked else WARN, description,
                        [o.rule for o in blocked], [o.rule for o in warned])


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    success: bool
    seconds: float
    expectations: list[ExpectationOutcome] = field(default_factory=list)
    docs_page: Path | None = None  # this run's validation page in the Data Docs site (with docs_root)

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [e for e in self.expectations if not e.success]


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    sample = details.get("partial_unexpected_list") or []
    count = details.get("unexpected_count")
    if count is None and config.type == "unexpected_rows_expectation":
        count = details.get("observed_value")
    error = None
    info = result.exception_info or {}
    infos = [info] if "raised_exception" in info else list(info.values())
    for item in infos:
        if isinstance(item, dict) and item.get("raised_exception"):
            error = str(item.get("exception_message", "")).split("\n")[0]
            break
    label = (config.meta or {}).get("name") or config.type
    column = config.kwargs.get("column")
    # the values leave the warehouse (check metadata, logs): mask personal data in text values
    masked = [str(mask_value(column or "", v)) for v in sample[:10]]
    return ExpectationOutcome(label, column, bool(result.success), count, masked,
                              mask_text(error) if error else None, config.kwargs.get("unexpected_rows_query"))


def _sample_rows(database: Path, outcomes: list[SuiteOutcome], duckdb_config: dict, limit: int = 5) -> None:
    """GE's summary of a SQL rule carries only a count: fetch a few offending rows for the message,
    with personal data masked (the raw values stay in the warehouse)."""
    import duckdb

    pending = [(suite, e) for suite in outcomes for e in suite.failed if e.query and not e.error]
    if not pending:
        return
    with duckdb.connect(str(database), read_only=True, config=duckdb_config) as con:
        for suite, expectation in pending:
            query = expectation.query.replace("{batch}", suite.table)
            cursor = con.execute(f"select * from ({query}) as unexpected limit {limit}")
            names = [column[0] for column in cursor.description]
            expectation.sample = [json.dumps(mask_record(dict(zip(names, row, strict=True))), default=str)
                                  for row in cursor.fetchall()]


DATA_DOCS_SITE = "local_site"  # the site GE's file context configures by default


def data_docs_index(docs_root: Path) -> Path:
    """Where the Data Docs site of the validations written under ``docs_root`` starts."""
    return docs_root / "gx" / "uncommitted" / "data_docs" / DATA_DOCS_SITE / "index.html"


def _docs_page(gx_context, resource_identifier=None) -> Path | None:
    """The file of a resource's page in the Data Docs site (the index without one), as GE places it."""
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    url = gx_context.get_docs_sites_urls(resource_identifier=resource_identifier, site_name=DATA_DOCS_SITE)[0]
    return Path(url2pathname(urlparse(url["site_url"]).path)) if url.get("site_url") else None


def _publish_offline(gx_context, docs_root: Path, suite_name: str, result_identifier) -> Path | None:
    """Make the pages this validation wrote render offline (expectations/data_docs.py) and
    return its validation page."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    from expectations.data_docs import make_offline

    page = _docs_page(gx_context, result_identifier)
    written = [page, _docs_page(gx_context, ExpectationSuiteIdentifier(name=suite_name)),
               data_docs_index(docs_root)]
    make_offline(data_docs_index(docs_root).parent, [p for p in written if p is not None])
    return page


def validate(database: Path, suites: list[Suite], context: QualityContext | None = None,
             docs_root: Path | None = None, duckdb_config: dict | None = None) -> list[SuiteOutcome]:
    """Validate each suite against its table in the DuckDB file (opened read-only, with the
    given DuckDB settings: memory limit, threads, spill folder), then close every connection so that the next writer (dbt, the loader) can open the file.

    With ``docs_root``, GE keeps a file context there and renders every validation into its Data
    Docs site (``data_docs_index(docs_root)``), made to render offline, and each outcome names its
    validation page (``docs_page``); without, nothing is written.
    """
    _without_spark_connect()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    register_duckdb_persistent_connection()
    context = context or QualityContext()
    if docs_root is None:
        gx_context = gx.get_context(mode="ephemeral")
        actions = []
    else:
        gx_context = gx.get_context(mode="file", project_root_dir=str(docs_root))
        actions = [gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")]
    gx_context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = gx_context.data_sources.add_or_update_sql(
        name="warehouse", connection_string=f"duckdb:///{database}",
        kwargs={"connect_args": {"read_only": True, "config": dict(duckdb_config or {})}},
    )
    outcomes = []
    try:
        for suite in suites:
            started = time.perf_counter()
            schema, table = suite.table.split(".")
            if suite.name in {asset.name for asset in source.assets}:
                source.delete_asset(suite.name)
            asset = source.add_table_asset(name=suite.name, table_name=table, schema_name=schema)
            batch_definition = asset.add_batch_definition_whole_table("whole table")
            gx_suite = gx_context.suites.add_or_update(
                gx.ExpectationSuite(name=suite.name, expectations=suite.build(context)))
            definition = gx_context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite))
            checkpoint = gx_context.checkpoints.add_or_update(gx.Checkpoint(
                name=suite.name, validation_definitions=[definition], actions=actions,
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10}))
            identifier, result = next(iter(checkpoint.run().run_results.items()))
            page = None if docs_root is None else _publish_offline(gx_context, docs_root, suite.name, identifier)
            outcomes.append(SuiteOutcome(suite.name, suite.table, bool(result.success),
                                         time.perf_counter() - started, [_outcome(r) for r in result.results],
                                         page))
    finally:
        engine = source.get_execution_engine()
        if engine._connection is not None:  # the persistent connection the fix keeps
            engine._connection.close()
            engine._connection = None
        engine.close()
        source.get_engine().dispose()
    _sample_rows(database, outcomes, dict(duckdb_config or {}))
    return outcomes
