"""Great Expectations on DuckDB: the persistent-connection fix is what makes results right, and
validation lets go of the file afterwards. The script runs under `python -c`, whose `__main__` has
no file, as a Dagster step's process: with pyspark installed, importing GE there exits the process
unless Spark Connect is kept out (engine._without_spark_connect)."""

import subprocess
import sys
import textwrap

import duckdb
import pytest

SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import duckdb
    import expectations.engine as engine
    from expectations.suites import Suite

    if sys.argv[2] == "without-fix":
        engine.register_duckdb_persistent_connection = lambda: None

    def build(_):
        import great_expectations as gx
        return [gx.expectations.ExpectColumnValuesToNotBeNull(column="id"),
                gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0)]

    suite = Suite("t", ("t",), "main.t", "test table", build)
    outcome = engine.validate(Path(sys.argv[1]), [suite])[0]
    print("RESULT", [(e.expectation, e.success, e.unexpected_count) for e in outcome.expectations])
    duckdb.connect(sys.argv[1]).close()  # a writer can open the file again
    print("WRITER OK")
""")


@pytest.fixture
def table(tmp_path):
    path = tmp_path / "t.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select i as id, case when i % 100 = 0 then -1 else i end as amount "
                    "from range(1000) as r(i)")
    return path


def _validate(path, mode):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(path), mode], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_with_the_fix_expectations_measure_the_data(table):
    out = _validate(table, "with-fix")
    # 10 negative amounts (every 100th row), no null id
    assert "('expect_column_values_to_not_be_null', True, 0)" in out
    assert "('expect_column_values_to_be_between', False, 10)" in out
    assert "WRITER OK" in out


def test_without_the_fix_every_expectation_fails_on_duckdb(table):
    out = _validate(table, "without-fix")
    # the known defect: connections closed between query and fetch give no results
    assert "('expect_column_values_to_not_be_null', False, None)" in out
    assert "('expect_column_values_to_be_between', False, None)" in out
