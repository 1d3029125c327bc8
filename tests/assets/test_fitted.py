"""The tables fitted in Python (dagster_project/assets/fitted.py): each asset reads its dbt inputs
from the warehouse, computes its table with mdw_stats and writes it back typed as its dbt source
declares, whatever pandas made of the columns (an empty result included)."""

import dataclasses
from datetime import date

import dagster as dg
import duckdb
import pandas as pd
import pytest

from dagster_project.assets.fitted import FITTED_TABLES, declared_columns, fit_table, fitted_assets
from dagster_project.resources import DuckDBWarehouse, ServingDatabase

TABLES = {table.name: table for table in FITTED_TABLES}
ASSETS = {asset.key.path[-1]: asset for asset in fitted_assets}
# five journeys solved by hand in tests/test_attribution.py: Markov shares A 3/7, B 3/7, C 1/7
JOURNEYS = [("start", "A"), ("A", "B"), ("B", "conversion"), ("start", "A"), ("A", "conversion"), ("start", "B"),
            ("B", "null"), ("start", "A"), ("A", "C"), ("C", "null"), ("start", "C"), ("C", "B"), ("B", "conversion")]
DUCKDB_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE", "date": "DATE", "boolean": "BOOLEAN"}


def _materialize(warehouse, name: str) -> dg.MaterializeResult:
    result = dg.materialize([ASSETS[name]], partition_key="2026-01-01",
                            resources={"warehouse": DuckDBWarehouse(path=str(warehouse)),
                                       "serving": ServingDatabase(path=str(warehouse.with_name("marts.duckdb")))})
    assert result.success
    return result.asset_materializations_for_node(ASSETS[name].op.name)[0]


def _types(con, relation: str) -> dict[str, str]:
    return {row[0]: row[1] for row in con.execute(f"describe {relation}").fetchall()}


def _declared_types(name: str) -> dict[str, str]:
    return {column: DUCKDB_TYPES[spec["data_type"]] for column, spec in declared_columns(TABLES[name]).items()}


def _transitions(warehouse, pairs: list[tuple[str, str]]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_attribution_transitions "
                    "(from_state varchar, to_state varchar, transitions bigint)")
        if pairs:
            con.executemany("insert into intermediate.int_attribution_transitions values (?, ?, 1)", pairs)


def test_markov_attribution_is_written_typed_as_declared(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _transitions(warehouse, JOURNEYS)
    materialization = _materialize(warehouse, "mart_attribution_markov")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        shares = dict(con.execute("select channel, markov_share from marts.mart_attribution_markov").fetchall())
        assert _types(con, "marts.mart_attribution_markov") == _declared_types("mart_attribution_markov")
    assert shares == pytest.approx({"A": 3 / 7, "B": 3 / 7, "C": 1 / 7})
    assert materialization.metadata["dagster/row_count"].value == 3


def test_an_empty_result_keeps_the_declared_types(tmp_path):
    """No journey at all: pandas gives untyped (object) columns; the table still has its numbers."""
    warehouse = tmp_path / "warehouse.duckdb"
    _transitions(warehouse, [])
    _materialize(warehouse, "mart_attribution_markov")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.mart_attribution_markov").fetchone() == (0,)
        assert _types(con, "marts.mart_attribution_markov") == _declared_types("mart_attribution_markov")


def test_a_lookalike_model_that_cannot_fit_says_why(tmp_path):
    """Three buyers, none of them a best customer: one not_fitted row with its reason and dates."""
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema intermediate")
        con.execute("""create table intermediate.int_lookalike_features as
            select 'CUS-' || i as customer_key, date '2026-06-30' as as_of_date, false as is_prospect,
                   false as is_best, date '2026-01-01' + cast(i * 60 as integer) as first_order_date,
                   'store' as lead_source, 'Zhejiang' as province, true as has_crm_record,
                   0 as social_engagements, 0 as social_shares_mentions_comments, 0 as social_likes_follows,
                   0 as social_clicks_messages, 0 as survey_answers, 0 as campaign_opens, 0 as campaign_clicks
            from range(3) as r(i)""")
    materialization = _materialize(warehouse, "mart_lookalike_model_fit")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select as_of_date, holdout_cutoff_date, status, message, auc "
                          "from marts.mart_lookalike_model_fit").fetchall()
        assert _types(con, "marts.mart_lookalike_model_fit") == _declared_types("mart_lookalike_model_fit")
    assert len(row) == 1
    as_of, cutoff, status, message, auc = row[0]
    assert (as_of, cutoff, status, auc) == (date(2026, 6, 30), date(2026, 4, 1), "not_fitted", None)
    assert message
    assert materialization.metadata["status"].value.startswith("not_fitted: ")


def test_a_computed_column_not_declared_in_the_dbt_source_is_an_error():
    table = dataclasses.replace(TABLES["mart_attribution_markov"],
                                compute=lambda transitions: pd.DataFrame({"channel": ["A"], "share": [1.0]}))
    with pytest.raises(ValueError, match=r"marts\.mart_attribution_markov: computed columns"):
        fit_table(table, lambda relation: pd.DataFrame())
