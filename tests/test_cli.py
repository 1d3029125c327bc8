"""The `mdw` command line on tiny inputs: the run summary's messages and `mdw retract`."""

import subprocess
import sys
from types import SimpleNamespace

import duckdb
from dagster._utils.error import SerializableErrorInfo

from dagster_project.ingest.contract import ORDERS
from dagster_project.ingest.loader import ingest_feed_file
from mdw.cli import main, print_summary, root_cause
from tests.ingest.helpers import order, rows, write


def test_a_failed_step_is_summarised_by_its_root_cause_with_personal_data_masked():
    cause = SerializableErrorInfo(
        "duckdb.duckdb.ConversionException: Conversion Error: could not convert 'jane.doe@example.com'\n", [],
        "ConversionException")
    wrapper = SerializableErrorInfo(
        'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "ingest_crm":\n',
        [], "DagsterExecutionStepExecutionError", cause=cause)
    assert root_cause(wrapper) == "ConversionException: Conversion Error: could not convert 'j***@example.com'"
    assert root_cause(None) == "unknown error"


HOLD_WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_the_summary_says_the_warehouse_is_busy_instead_of_a_traceback(settings, capsys):
    duckdb.connect(str(settings.warehouse)).close()
    writer = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(settings.warehouse)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        result = SimpleNamespace(run_id="R1", success=True, all_events=[], get_asset_check_evaluations=lambda: [])
        print_summary(settings, result, "2026-01-31")
    finally:
        writer.kill()
    out = capsys.readouterr().out
    assert "Run R1 (delivery day 2026-01-31): SUCCESS" in out and "(warehouse busy, table counts left out:" in out


def test_mdw_retract_withdraws_a_delivery_and_undo_brings_it_back(settings, capsys):
    write(settings.landing, "orders/2026-01-03/orders.jsonl", order("O1") + "\n" + order("O2") + "\n")
    write(settings.landing, "orders/2026-01-04/orders.jsonl", order("O3") + "\n")
    with duckdb.connect(str(settings.warehouse)) as con:
        ingest_feed_file(con, settings.landing, ORDERS)

    target = str(settings.landing / "orders" / "2026-01-03")  # a day folder, given as a path
    assert main(["retract", target, "--reason", "duplicate export"]) == 0
    assert "Retracted 1 file(s):\n  orders/2026-01-03/orders.jsonl" in capsys.readouterr().out
    with duckdb.connect(str(settings.warehouse)) as con:
        assert rows(con, "select order_id from raw.orders order by 1") == [("O3",)]
        assert rows(con, "select status, error from raw.load_manifest where file_path like '%01-03%' "
                         "order by loaded_at desc limit 1") == [("retracted", "duplicate export")]
        ingest_feed_file(con, settings.landing, ORDERS)  # the next refresh leaves it out
        assert rows(con, "select count(*) from raw.orders") == [(1,)]

    assert main(["retract", "orders/2026-01-09"]) == 1
    assert "orders/2026-01-09" in capsys.readouterr().err

    assert main(["retract", "orders/2026-01-03/orders.jsonl", "--undo"]) == 0
    assert "Restored 1 file(s)" in capsys.readouterr().out
    with duckdb.connect(str(settings.warehouse)) as con:
        ingest_feed_file(con, settings.landing, ORDERS)
        assert rows(con, "select order_id from raw.orders order by 1") == [("O1",), ("O2",), ("O3",)]


def test_the_instance_mdw_writes_queues_runs_one_at_a_time_and_keeps_a_users_own_config(settings):
    import dagster as dg

    from mdw.cli import ensure_dagster_home

    ensure_dagster_home(settings)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
        assert instance.run_monitoring_enabled
    own = "telemetry:\n  enabled: false\n"
    (settings.dagster_home / "dagster.yaml").write_text(own)
    ensure_dagster_home(settings)
    assert (settings.dagster_home / "dagster.yaml").read_text() == own


def test_a_day_that_is_not_a_partition_is_refused_before_anything_runs(settings, capsys):
    assert main(["backfill", "--from", "2026-02-30", "--to", "2026-03-01"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["backfill", "--from", "2026-03-02", "--to", "2026-03-01"]) == 2
    assert main(["backfill", "--from", "2019-01-01", "--to", "2019-01-01"]) == 2
    assert "before the first partition 2024-01-01: set MDW_FIRST_DELIVERY_DAY" in capsys.readouterr().err
    assert not settings.warehouse.exists()
