"""The dbt unit tests (`dbt/models/**/_*__unit_tests.yml`: tricky SQL on tiny rows) in the fast tier.

A unit test needs its model's parents to exist for their column types, not their rows: the raw
tables are created empty, the seeds loaded, every model built with `--empty` (no rows read), then
only the unit tests run. Macros whose behaviour shows only on many rows run through `dbt show`.
An incremental model whose logic lives in its pre-hook (which unit tests do not run) is built with
`dbt run` on hand-made rows in a copy of that warehouse, day by day against full builds.
"""

import hashlib
import json
import os
import shutil
import subprocess

import duckdb
import pytest

from dagster_project.assets.fitted import FITTED_TABLES, create_empty_duckdb
from dagster_project.config import DBT_PROJECT_DIR
from dagster_project.dbt_child import real_dbt
from dagster_project.ingest.manifest import ensure_raw_schema


def _dbt(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([real_dbt(), *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
                           str(DBT_PROJECT_DIR)], env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def dbt_env(tmp_path_factory):
    """A warehouse with empty raw tables and tables fitted in Python, the seeds, and every model built
    --empty."""
    root = tmp_path_factory.mktemp("dbt_unit")
    warehouse = root / "unit.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        ensure_raw_schema(con)
        for table in FITTED_TABLES:  # written by Dagster assets, read by dbt as sources
            create_empty_duckdb(con, table)
    env = {**os.environ, "MDW_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}
    for step in (("seed",), ("run", "--empty")):  # seeds whole: unit tests read the seeds they do not mock
        built = _dbt(*step, env=env)
        assert built.returncode == 0, built.stdout[-3000:]
    return env


def test_dbt_unit_tests_pass(dbt_env):
    tested = _dbt("test", "--select", "test_type:unit", env=dbt_env)
    assert tested.returncode == 0, tested.stdout[-3000:]
    passed = [line for line in tested.stdout.splitlines() if " PASS " in line]
    assert len(passed) >= 29, tested.stdout[-3000:]  # every unit test ran (29 when this was written)


def _show(query: str, env: dict) -> list[dict]:
    shown = _dbt("--quiet", "show", "--inline", query, "--output", "json", "--limit", "10", env=env)
    assert shown.returncode == 0, shown.stdout[-3000:]
    return json.loads(shown.stdout)["show"]


def test_the_control_draw_is_deterministic_and_near_its_share(dbt_env):
    """The audiences' control group: the draw of a key never changes, and over many customers the
    share drawn below 0.1 is close to 0.1 (100,000 keys: the standard error is 0.001)."""
    query = ("select avg(case when {{ uniform_draw(\"'win_back|CUS-' || cast(i as varchar)\") }} < 0.1 "
             "then 1.0 else 0.0 end) as share, "
             "min({{ uniform_draw(\"'win_back|CUS-1'\") }}) as first_draw "
             "from (select range as i from range(100000)) as keys")
    first, again = _show(query, dbt_env), _show(query, dbt_env)
    assert first == again
    assert 0.097 < first[0]["share"] < 0.103
    assert 0 <= first[0]["first_draw"] < 1


def test_the_seed_fingerprint_follows_the_seed_files(dbt_env):
    """seeds_checksum: the md5 of the checksums dbt keeps of the named seed files (so an edit of a
    rate or margin seed gives another value, and the incremental facts rebuild their rows); a name
    that is no seed of the project stops the build."""
    def file_checksum(seed: str) -> str:  # dbt's: sha256 of the file's text without surrounding blanks
        return hashlib.sha256((DBT_PROJECT_DIR / "seeds" / f"{seed}.csv").read_text("utf-8").strip().encode()).hexdigest()

    rates, margins = file_checksum("exchange_rates"), file_checksum("category_margins")
    shown = _show("select {{ seeds_checksum(['exchange_rates']) }} as one, "
                  "{{ seeds_checksum(['exchange_rates', 'category_margins']) }} as two", dbt_env)
    assert shown == [{"one": hashlib.md5(rates.encode()).hexdigest(),
                      "two": hashlib.md5(f"{rates}|{margins}".encode()).hexdigest()}]
    unknown = _dbt("show", "--inline", "select {{ seeds_checksum(['no_such_seed']) }} as x", env=dbt_env)
    assert unknown.returncode != 0 and "the project has no seed no_such_seed" in unknown.stdout


def _journeys(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * exclude (_staged_at) from intermediate.int_attribution_journey_touches "
                       "order by touch_id").fetchall()


def test_journeys_recomputed_customer_by_customer_equal_a_full_build(dbt_env, tmp_path):
    """int_attribution_journey_touches is incremental by customer: after a day that changes some
    customers, and after a backfill that steps the as-of date back, it holds what a full build holds,
    and the customers nothing touched keep their rows. Hand-made (lookback 30 days):

    - B: one touch on 02-09 12:00, open on 03-10 (29.5 days before the end of the day), closed on
      03-12; nothing of B changes, only the as-of date;
    - C: its order of 03-05 is refunded (restaged);
    - D: its order of 02-20 is retracted (gone, no stamp) while its order of 03-11 enters the as-of
      window: the number of conversions stays one;
    - E: its touch moves to F (a merge elsewhere rewrote the touchpoint);
    - G: a converted journey nothing changes.
    """
    warehouse = tmp_path / "journeys.duckdb"
    shutil.copy(dbt_env["MDW_WAREHOUSE"], warehouse)
    env = {**dbt_env, "MDW_WAREHOUSE": str(warehouse)}
    touches = [("T_B1", "B", "2025-02-09 12:00:00"), ("T_C1", "C", "2025-03-01 10:00:00"),
               ("T_D0", "D", "2025-02-18 10:00:00"), ("T_D1", "D", "2025-03-02 10:00:00"),
               ("T_E1", "E", "2025-03-03 10:00:00"), ("T_G1", "G", "2025-02-01 10:00:00")]
    orders = [("O_C1", "C", "2025-03-05 10:00:00"), ("O_D0", "D", "2025-02-20 10:00:00"),
              ("O_D1", "D", "2025-03-11 10:00:00"), ("O_G1", "G", "2025-02-03 10:00:00")]
    old = "2025-01-01 00:00:00"
    with duckdb.connect(str(warehouse)) as con:
        con.executemany("insert into core.fct_touchpoints (touchpoint_id, customer_key, occurred_at, source, "
                        "touchpoint_type, _staged_at) values (?, ?, ?, 'crm', 'clicked', ?)",
                        [(*touch, old) for touch in touches])
        con.executemany("insert into core.fct_orders (order_id, customer_key, ordered_at, order_date, "
                        "is_cancelled_or_refunded, _staged_at) values (?, ?, ?, cast(? as date), false, ?)",
                        [(*order, order[2][:10], old) for order in orders])

    def build(as_of: str, *flags: str) -> list[tuple]:
        built = _dbt("run", "--select", "int_attribution_touches", "int_attribution_journey_touches",
                     "--vars", json.dumps({"as_of": as_of}), *flags, env=env)
        assert built.returncode == 0, built.stdout[-3000:]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return _journeys(con)

    def staged(customers: str) -> set:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return {row[0] for row in con.execute(
                f"select distinct customer_key from intermediate.int_attribution_journey_touches "
                f"where customer_key in ({customers}) and _staged_at = "
                f"(select max(_staged_at) from intermediate.int_attribution_journey_touches)").fetchall()}

    first = build("2025-03-10", "--full-refresh")
    assert ("T_B1" in {row[1] for row in first}) and len(first) == len(touches)
    with duckdb.connect(str(warehouse)) as con:
        now = "cast(now() at time zone 'UTC' as timestamp) + interval 1 hour"
        con.execute(f"update core.fct_orders set is_cancelled_or_refunded = true, _staged_at = {now} "
                    "where order_id = 'O_C1'")
        con.execute("delete from core.fct_orders where order_id = 'O_D0'")
        con.execute(f"update core.fct_touchpoints set customer_key = 'F', _staged_at = {now} "
                    "where touchpoint_id = 'T_E1'")

    day = build("2025-03-12")
    assert staged("'B', 'C', 'D', 'F', 'G'") == {"B", "C", "D", "F"}  # G kept its rows
    assert day == build("2025-03-12", "--full-refresh")
    assert day != first
    assert build("2025-03-10") == build("2025-03-10", "--full-refresh")  # a backfill steps back
