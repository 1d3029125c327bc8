"""`mdw`: the command line beside the Dagster UI.

    mdw generate   write demo landing data (and its ground truth)
    mdw demo respond  the demo's answer to a campaign sent to an audience (next delivery day)
    mdw run        the whole refresh in one Dagster run of daily_refresh, then a summary
    mdw backfill   one run per delivery day of a range (idempotent)
    mdw retract    withdraw a bad delivery (a landing file or day folder) from the warehouse
    mdw ui         the Dagster UI (dagster dev) on 127.0.0.1
    mdw dashboard  the marketers' dashboard (Streamlit) on the published marts, on 127.0.0.1
    mdw evaluate identity   resolved customers scored against the generator's ground truth
    mdw bench ...  benchmarks that print figures and record them in docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from dagster_project.config import PROJECT_ROOT, Settings, export_environment
from dagster_project.pii import mask_record, mask_text

DEMO_START = date(2025, 1, 1)
DEMO_DAYS = 365
DEMO_SCALE = 0.1
DEMO_SEED = 42
BENCH_DOC = "docs/benchmarks.md"  # relative to the folder mdw runs in: the checkout, as a rule

DAGSTER_YAML = """\
# Written by mdw (delete this first line to keep your own edits). Telemetry off (no network here).
# One run at a time: DuckDB allows one writer per warehouse file, so runs launched from the UI,
# the schedule and the sensors wait in the queue of the queued run coordinator (limit 1), and
# `mdw run` waits for the warehouse lock. Run monitoring fails runs that never start; the
# abandoned_runs_sensor fails runs whose process died.
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
concurrency:
  runs:
    max_concurrent_runs: 1
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 60
"""
GENERATED_MARK = "# Written by mdw"


def ensure_dagster_home(settings: Settings) -> None:
    """Write the instance configuration, unless the user keeps one of their own."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    config = settings.dagster_home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8").startswith(GENERATED_MARK):
        config.write_text(DAGSTER_YAML, encoding="utf-8")


def _landing_has_files(landing: Path) -> bool:
    return landing.is_dir() and any(p.is_file() for p in landing.glob("*/*/*"))


def cmd_generate(args: argparse.Namespace) -> int:
    from mdw.demo.generator import generate

    summary = generate(Path(args.out), date.fromisoformat(args.start_date), args.days, args.scale, args.seed,
                       truth_dir=Path(args.truth_dir) if args.truth_dir else None, progress=not args.quiet)
    print(f"Wrote {summary.files} files to {summary.landing} in {summary.seconds:.1f}s "
          f"({summary.malformed} deliberately malformed rows); ground truth in {summary.truth_dir}")
    for name, rows in summary.rows.items():
        print(f"  {name:<28} {rows:>12,} rows")
    return 0


def cmd_demo_respond(args: argparse.Namespace) -> int:
    from dagster_project.config import get_settings
    from mdw.demo.respond import respond

    settings = get_settings()
    response = respond(settings.landing, settings.warehouse, settings.landing.parent / "ground_truth",
                       args.audience, args.campaign_id, channel=args.channel, lift=args.lift,
                       base_rate=args.base_rate, seed=args.seed)
    print(f"Wrote the response to campaign {response.campaign_id} for delivery day {response.day}: "
          f"{response.treatment_members} treatment members sent to, {response.treatment_converters} converting; "
          f"{response.control_members} control members, {response.control_converters} converting "
          f"(written lift {response.lift:+.3f} on a base rate of {response.base_rate:.3f}). "
          "Run `mdw run`, then read marts.mart_campaign_results.")
    return 0


def _refresh_dbt_manifest() -> None:
    from dagster_project.dbt_project import prepare_dbt_project

    if prepare_dbt_project():
        print("Parsed the dbt project (its manifest was missing or older than its files).")


def cmd_prepare(args: argparse.Namespace) -> int:
    """Parse the dbt project when it changed, so that the code location can load."""
    _refresh_dbt_manifest()
    return 0


BUSY_EXIT_CODE = 75  # EX_TEMPFAIL: the warehouse is busy, try again later


def _take_warehouse(settings: Settings, purpose: str, wait: bool) -> bool:
    """Hold the warehouse lock for this process, waiting (with a word) or refusing when busy."""
    from dagster_project import warehouse_lock

    def tell(holder) -> None:
        who = holder.describe() if holder else "another process"
        print(f"The warehouse {settings.warehouse} is being written by {who}; waiting for it to finish "
              f"({purpose} --no-wait exits instead).", flush=True)

    try:
        warehouse_lock.acquire(settings.warehouse, purpose, wait=wait, on_wait=tell)
    except warehouse_lock.WarehouseBusy as busy:
        print(f"Not started: {busy}. Try again when it has finished.", file=sys.stderr)
        return False
    return True


def cmd_run(args: argparse.Namespace) -> int:
    from dagster_project import warehouse_lock

    settings = export_environment()
    ensure_dagster_home(settings)
    if not _take_warehouse(settings, "mdw run", wait=not args.no_wait):
        return BUSY_EXIT_CODE
    try:
        return _run_refresh(settings, args)
    finally:
        warehouse_lock.release(settings.warehouse)


def _run_refresh(settings: Settings, args: argparse.Namespace) -> int:
    """The refresh proper, while this process holds the warehouse."""
    if not _landing_has_files(settings.landing):
        if args.no_demo:
            print(f"No landing files under {settings.landing}; nothing to do.", file=sys.stderr)
            return 1
        from mdw.demo.generator import generate

        print(f"{settings.landing} is empty: generating demo data (scale {args.demo_scale}, {DEMO_DAYS} days)")
        generate(settings.landing, DEMO_START, DEMO_DAYS, args.demo_scale, DEMO_SEED, progress=True)
    _refresh_dbt_manifest()
    from dagster_project.partitions import landing_days

    days = landing_days(settings.landing)
    if not (args.as_of or days):
        print(f"No delivery day folder (<source>/<YYYY-MM-DD>/) under {settings.landing}; nothing to do.",
              file=sys.stderr)
        return 1
    return _run_days(settings, [args.as_of or days[-1]], "mdw run", args.full_refresh)


def _run_days(settings: Settings, days: list[str], launched_by: str, full_refresh: bool = False) -> int:
    """One run of daily_refresh per day, oldest first, each with its summary; stops at the first
    failed run (a later day would build on a warehouse that day left behind). Exit code: 0 when
    every run succeeded, 1 when one failed, 2 when a day is not a partition."""
    import dagster as dg

    from dagster_project import runs
    from dagster_project.partitions import partition_for
    from dagster_project.publish import remove_stale_staging_files

    try:
        partitions = [partition_for(day) for day in days]
    except ValueError as error:
        print(f"Not started: {error}", file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        for run_id in runs.fail_abandoned_runs(instance):
            print(f"Marked run {run_id} failed: its process is gone (killed or crashed).")
        for path in remove_stale_staging_files(settings.serving):
            print(f"Removed {path.name}, left behind by a publish that did not finish.")
        run_config: dict = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}
        if full_refresh:
            run_config["resources"] = {"dbt_build": {"config": {"full_refresh": True}}}
        for partition in partitions:
            run = runs.create_run(instance, run_config, partition, tags={"launched_by": launched_by})
            result = runs.execute(instance, run)
            print_summary(settings, result, partition)
            if not result.success:
                return 1
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """Runs for every day of a range, oldest first (idempotent: a second backfill changes nothing)."""
    from dagster_project import warehouse_lock

    try:
        first, last = date.fromisoformat(args.from_day), date.fromisoformat(args.to_day)
    except ValueError as error:
        print(f"--from and --to are dates written YYYY-MM-DD: {error}", file=sys.stderr)
        return 2
    if last < first:
        print(f"--to {last} is before --from {first}", file=sys.stderr)
        return 2
    settings = export_environment()
    ensure_dagster_home(settings)
    if not _take_warehouse(settings, "mdw backfill", wait=not args.no_wait):
        return BUSY_EXIT_CODE
    try:
        _refresh_dbt_manifest()
        days = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        print(f"Backfill of {len(days)} day(s), {days[0]} to {days[-1]}: one run per day.")
        return _run_days(settings, days, "mdw backfill")
    finally:
        warehouse_lock.release(settings.warehouse)


def _landing_relative(target: str, landing: Path) -> str:
    """A landing file or day folder as the manifest names it (relative to the landing folder)."""
    path = Path(target)
    if path.is_absolute() or path.exists():
        try:
            return path.resolve().relative_to(landing.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix().strip("/")


def cmd_retract(args: argparse.Namespace) -> int:
    """Withdraw a delivered file (or a day folder) from the warehouse, or undo that."""
    from dagster_project import warehouse_lock
    from dagster_project.config import connect_duckdb
    from dagster_project.ingest.manifest import retract

    settings = export_environment()
    if not settings.warehouse.exists():
        print(f"No warehouse at {settings.warehouse}: nothing was loaded, nothing to retract.", file=sys.stderr)
        return 1
    if not _take_warehouse(settings, "mdw retract", wait=not args.no_wait):
        return BUSY_EXIT_CODE
    target = _landing_relative(args.target, settings.landing)
    try:
        with connect_duckdb(settings.warehouse, settings.duckdb_config) as con:
            files = retract(con, target, args.reason, undo=args.undo)
    except ValueError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        warehouse_lock.release(settings.warehouse)
    verb = "Restored" if args.undo else "Retracted"
    print(f"{verb} {len(files)} file(s):")
    for path in files:
        print(f"  {path}")
    print("The next refresh (mdw run) " + ("loads them again." if args.undo else "rebuilds without them; they are "
          "not loaded again unless their content changes or you run mdw retract --undo."))
    return 0


def stored_test_failures(con, test_name: str, limit: int = 5) -> list[dict]:
    """The first rows a failed dbt test stored (tests configured with store_failures, such as the
    channel marts' checks for a missing exchange rate, margin or commission): they name what to fix."""
    exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'dbt_test__audit' "
                         "and table_name = ?", [test_name]).fetchone()[0]
    if not exists:
        return []
    cursor = con.execute(f'select * from dbt_test__audit."{test_name}" order by all limit {int(limit)}')
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def print_failed_checks(result, con) -> None:
    """Checks that did not pass: errors (they stop the publish) and warnings, with the rows a
    failed dbt test stored."""
    import dagster as dg

    for check in result.get_asset_check_evaluations():
        if check.passed:
            continue
        verdict = "warned" if check.severity == dg.AssetCheckSeverity.WARN else "failed"
        detail = f": {mask_text(check.description)}" if check.description else ""
        print(f"  check {check.check_name} on {check.asset_key.to_user_string()} {verdict}{detail}")
        for row in stored_test_failures(con, check.check_name) if con else []:
            print("      " + ", ".join(f"{key}={value}" for key, value in mask_record(row).items()))


def root_cause(error) -> str:
    """The innermost message of a step's error: the exception that made the step fail, not
    Dagster's "Error occurred while executing op" wrapper around it."""
    if error is None:
        return "unknown error"
    while error.cause is not None:
        error = error.cause
    message = re.sub(r"^(?:\w+\.)+(\w+): ", r"\1: ", error.message.strip())  # short exception name
    return mask_text(message)


def print_summary(settings: Settings, result, partition: str) -> None:
    import duckdb

    from dagster_project.config import connect_duckdb

    try:
        con = (connect_duckdb(settings.warehouse, settings.duckdb_config, read_only=True)
               if settings.warehouse.exists() else None)
    except duckdb.IOException as busy:  # another process writes it: summarise without table counts
        print(f"(warehouse busy, table counts left out: {str(busy).splitlines()[0]})")
        con = None
    try:
        print()
        print("=" * 72)
        print(f"Run {result.run_id} (delivery day {partition}): {'SUCCESS' if result.success else 'FAILED'}")
        if not result.success:
            for event in result.all_events:
                if event.event_type_value == "STEP_FAILURE":
                    cause = root_cause(event.event_specific_data.error).replace("\n", "\n      ")
                    print(f"  step {event.step_key} failed: {cause}")
            print_failed_checks(result, con)
            print(f"  Nothing was published; {settings.serving} still holds the last good marts.")
        else:
            print_failed_checks(result, con)
            if settings.serving.exists():
                print(f"Published marts (read-only for BI): {settings.serving}")
            if settings.engine == "spark":
                from dagster_project.serving_parquet import current_folder

                print(f"Published as Parquet (one folder per table): {current_folder(settings.serving)}")
        if con:
            tables = con.execute("""
                select schema_name, table_name, estimated_size from duckdb_tables()
                where schema_name not in ('main', 'dbt_test__audit') order by schema_name, table_name
            """).fetchall()
            print(f"{'table':<45} {'rows':>12}")
            for schema, table, _ in tables:
                rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                print(f"  {schema + '.' + table:<43} {rows:>12,}")
            if any(s == "raw" and t == "quarantine" for s, t, _ in tables):
                print("Quarantined rows by raw table:")
                for table, n in con.execute("select raw_table, count(*) from raw.quarantine group by 1 order by 1").fetchall():
                    print(f"  {table:<43} {n:>12,}")
    finally:
        if con:
            con.close()
    print(f"Warehouse: {settings.warehouse}")
    print(f"Landing:   {settings.landing}")
    print("Open the Dagster UI: mdw ui          (then http://127.0.0.1:3000)")
    print("Open the dashboard:  mdw dashboard   (then http://127.0.0.1:8501)")


def cmd_ui(args: argparse.Namespace) -> int:
    settings = export_environment()
    ensure_dagster_home(settings)
    _refresh_dbt_manifest()
    dagster = Path(sys.executable).parent / "dagster"
    cmd = [str(dagster) if dagster.exists() else "dagster", "dev", "-w", str(PROJECT_ROOT / "workspace.yaml"),
           "-h", args.host, "-p", str(args.port)]
    os.chdir(PROJECT_ROOT)
    os.execvpe(cmd[0], cmd, os.environ)
    return 0  # not reached


DASHBOARD_APP = Path(__file__).resolve().parent / "dashboard" / "app.py"


def cmd_dashboard(args: argparse.Namespace) -> int:
    """`streamlit run` on the dashboard app: bound to 127.0.0.1, headless, usage statistics off
    (flags, so that no config file of the current folder decides), reading the serving file."""
    from dagster_project.config import get_settings

    serving = Path(args.serving).resolve() if args.serving else get_settings().serving
    if not serving.exists():
        print(f"No serving file at {serving} yet: the dashboard says so until `mdw run` publishes one.")
    os.environ["MDW_SERVING"] = str(serving)
    os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    cmd = [sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP),
           "--server.address", "127.0.0.1", "--server.port", str(args.port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           "--client.toolbarMode", "viewer"]  # no Deploy button (it points at Streamlit's cloud)
    print(f"Dashboard on http://127.0.0.1:{args.port}, reading {serving} (read-only)", flush=True)
    os.execvpe(cmd[0], cmd, os.environ)
    return 0  # not reached


def cmd_bench_dashboard(args: argparse.Namespace) -> int:
    from dagster_project.config import get_settings
    from mdw.dashboard.bench import run_dashboard_benchmark

    serving = Path(args.serving).resolve() if args.serving else get_settings().serving
    return run_dashboard_benchmark(serving, args.label, args.repeat, None if args.no_record else Path(args.record_to))


def cmd_bench_on_warehouse(args: argparse.Namespace) -> int:
    """`mdw bench identity|segments|channels|audiences|quality`: timings on the warehouse MDW_WAREHOUSE points at."""
    from mdw import bench

    if args.bench_command in bench.MART_GROUPS:
        return bench.run_mart_group_benchmark(args.bench_command, args.label, record_to=None if args.no_record else Path(args.record_to),
                                              repeat=args.repeat)
    runner = {"identity": bench.run_identity_benchmark, "quality": bench.run_quality_benchmark}[args.bench_command]
    return runner(args.label, record_to=None if args.no_record else Path(args.record_to))


def cmd_bench(args: argparse.Namespace) -> int:
    from mdw.bench import run_ingest_benchmark

    return run_ingest_benchmark(scale=args.scale, days=args.days, seed=args.seed, workdir=Path(args.workdir),
                                record_to=None if args.no_record else Path(args.record_to), keep=args.keep)


def cmd_bench_daily(args: argparse.Namespace) -> int:
    from mdw.bench_daily import run_daily_benchmark

    return run_daily_benchmark(args.scale, args.seed, Path(args.workdir), None if args.no_record else Path(args.record_to),
                               args.keep)


def cmd_bench_engines(args: argparse.Namespace) -> int:
    from mdw.bench_engines import run_engines_benchmark

    return run_engines_benchmark(args.scale, args.days, args.seed, Path(args.workdir),
                                 None if args.no_record else Path(args.record_to), args.keep)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from dagster_project.config import get_settings
    from mdw.evaluate import evaluate_identity, print_report

    settings = get_settings()
    truth = Path(args.truth) if args.truth else settings.landing.parent / "ground_truth" / "identity.parquet"
    results = evaluate_identity(settings.warehouse, truth)
    print_report(results)
    resolved = results["resolved"]
    if resolved.precision < args.min_precision or resolved.recall < args.min_recall:
        print(f"Below target: precision {resolved.precision:.4f} (min {args.min_precision}), "
              f"recall {resolved.recall:.4f} (min {args.min_recall})", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mdw", description="Marketing data warehouse command line.")
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write demo landing data with a ground truth")
    gen.add_argument("--out", default=os.environ.get("MDW_LANDING", "data/landing"))
    gen.add_argument("--start-date", default=DEMO_START.isoformat())
    gen.add_argument("--days", type=int, default=DEMO_DAYS)
    gen.add_argument("--scale", type=float, default=DEMO_SCALE, help="1 = 100k people, ~1M orders a year")
    gen.add_argument("--seed", type=int, default=DEMO_SEED)
    gen.add_argument("--truth-dir", default=None, help="default: ground_truth/ beside the landing folder")
    gen.add_argument("--quiet", action="store_true", help="no progress bar")
    gen.set_defaults(func=cmd_generate)

    demo = sub.add_parser("demo", help="demo-data tools")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    respond = demo_sub.add_parser("respond", help="write the next delivery day's campaign activity and orders of "
                                  "an audience's members, with a known lift")
    respond.add_argument("--audience", required=True, help="an audience of the latest run (mart_audience_members)")
    respond.add_argument("--campaign-id", required=True, help="id of the campaign to write")
    respond.add_argument("--channel", default="email", choices=["email", "sms"])
    respond.add_argument("--lift", type=float, default=0.1, help="conversion rate of treatment over control")
    respond.add_argument("--base-rate", type=float, default=0.05, help="conversion rate of the control group")
    respond.add_argument("--seed", type=int, default=7)
    respond.set_defaults(func=cmd_demo_respond)

    run = sub.add_parser("run", help="ingest, build and test everything in one Dagster run")
    run.add_argument("--demo-scale", type=float, default=DEMO_SCALE,
                     help="scale of the demo data generated when the landing folder is empty")
    run.add_argument("--no-demo", action="store_true", help="fail instead of generating demo data")
    run.add_argument("--no-wait", action="store_true",
                     help=f"exit at once (code {BUSY_EXIT_CODE}) when another refresh holds the warehouse "
                          "instead of waiting for it")
    run.add_argument("--as-of", default=None, help="the delivery day (YYYY-MM-DD, the run's partition) to run: "
                     "loads the landing days up to it and computes the marts as of it; default: the newest "
                     "delivery day in the landing folder")
    run.add_argument("--full-refresh", action="store_true",
                     help="rebuild every incremental model from the raw tables (the key registry and key "
                          "history are kept)")
    run.set_defaults(func=cmd_run)

    backfill = sub.add_parser("backfill", help="run the refresh for every delivery day of a range, oldest first")
    backfill.add_argument("--from", dest="from_day", required=True, help="first day, YYYY-MM-DD")
    backfill.add_argument("--to", dest="to_day", required=True, help="last day, YYYY-MM-DD")
    backfill.add_argument("--no-wait", action="store_true",
                          help=f"exit at once (code {BUSY_EXIT_CODE}) when another refresh holds the warehouse")
    backfill.set_defaults(func=cmd_backfill)

    retract_cmd = sub.add_parser("retract", help="withdraw a delivered landing file or day folder from the warehouse")
    retract_cmd.add_argument("target", help="landing file or folder, e.g. orders/2026-01-03/orders.jsonl or "
                             "orders/2026-01-03 (relative to MDW_LANDING, or a path inside it); a folder "
                             "retracts every loaded file under it")
    retract_cmd.add_argument("--reason", default="retracted with mdw retract",
                             help="why, recorded in the load manifest")
    retract_cmd.add_argument("--undo", action="store_true", help="load a retracted file again at the next refresh")
    retract_cmd.add_argument("--no-wait", action="store_true",
                             help=f"exit at once (code {BUSY_EXIT_CODE}) when a refresh holds the warehouse")
    retract_cmd.set_defaults(func=cmd_retract)

    prepare = sub.add_parser("prepare", help="parse the dbt project when it changed (mdw run and mdw ui do it "
                             "themselves; needed before `dagster definitions validate` on a fresh clone)")
    prepare.set_defaults(func=cmd_prepare)

    ui = sub.add_parser("ui", help="start the Dagster UI (dagster dev)")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    dashboard = sub.add_parser("dashboard", help="start the marketers' dashboard (Streamlit) on the published marts")
    dashboard.add_argument("--port", type=int, default=8501)
    dashboard.add_argument("--serving", default=None, help="the serving file to read (default: MDW_SERVING, "
                           "data/marts.duckdb)")
    dashboard.set_defaults(func=cmd_dashboard)

    evaluate = sub.add_parser("evaluate", help="quality of identity resolution against ground truth")
    evaluate_sub = evaluate.add_subparsers(dest="evaluate_command", required=True)
    identity = evaluate_sub.add_parser("identity", help="pairwise precision/recall of resolved customers")
    identity.add_argument("--truth", default=None, help="default: ground_truth/identity.parquet beside MDW_LANDING")
    identity.add_argument("--min-precision", type=float, default=0.0)
    identity.add_argument("--min-recall", type=float, default=0.0)
    identity.set_defaults(func=cmd_evaluate)

    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True)
    ingest = bench_sub.add_parser("ingest", help="generation and ingestion against DuckDB's bare read")
    ingest.add_argument("--scale", type=float, default=1.0)
    ingest.add_argument("--days", type=int, default=365)
    ingest.add_argument("--seed", type=int, default=7)
    ingest.add_argument("--workdir", default="bench")
    ingest.add_argument("--no-record", action="store_true", help="do not write the figures to a file")
    ingest.add_argument("--record-to", default=BENCH_DOC, help=f"where the figures go (default {BENCH_DOC})")
    ingest.add_argument("--keep", action="store_true", help="keep the generated files and databases")
    ingest.set_defaults(func=cmd_bench)
    daily = bench_sub.add_parser("daily", help="a year of history, then one more day incrementally and as a full "
                                 "refresh: wall time and peak memory of each")
    daily.add_argument("--scale", type=float, default=1.0)
    daily.add_argument("--seed", type=int, default=DEMO_SEED)
    daily.add_argument("--workdir", default="bench-daily", help="generated files and warehouses (a kept folder's "
                       "landing files are used again)")
    daily.add_argument("--keep", action="store_true", help="keep the workdir (its landing files serve the next run)")
    daily.add_argument("--no-record", action="store_true", help="do not write the figures to a file")
    daily.add_argument("--record-to", default=BENCH_DOC, help=f"where the figures go (default {BENCH_DOC})")
    daily.set_defaults(func=cmd_bench_daily)
    engines = bench_sub.add_parser("engines", help="the same landing files built on DuckDB and on Spark: wall time "
                                   "and peak memory of each phase (needs the spark extra)")
    engines.add_argument("--scale", type=float, default=1.0)
    engines.add_argument("--days", type=int, default=60)
    engines.add_argument("--seed", type=int, default=DEMO_SEED)
    engines.add_argument("--workdir", default="bench-engines", help="generated files and warehouses")
    engines.add_argument("--keep", action="store_true", help="keep the workdir (its landing files serve the next run)")
    engines.add_argument("--no-record", action="store_true", help="do not write the figures to a file")
    engines.add_argument("--record-to", default=BENCH_DOC, help=f"where the figures go (default {BENCH_DOC})")
    engines.set_defaults(func=cmd_bench_engines)
    dashboard_bench = bench_sub.add_parser("dashboard", help="every dashboard page's queries timed on a serving file "
                                           "(target: under 1 s per page)")
    dashboard_bench.add_argument("--serving", default=None, help="default: MDW_SERVING (data/marts.duckdb)")
    dashboard_bench.add_argument("--label", default="current serving file",
                                 help='e.g. "scale 1" (names the docs/benchmarks.md block)')
    dashboard_bench.add_argument("--repeat", type=int, default=5, help="timed rounds; the median is reported")
    dashboard_bench.add_argument("--no-record", action="store_true", help="do not write the figures to a file")
    dashboard_bench.add_argument("--record-to", default=BENCH_DOC, help=f"where the figures go (default {BENCH_DOC})")
    dashboard_bench.set_defaults(func=cmd_bench_dashboard)
    for name, help_text in (("identity", "identity resolution time on the current warehouse"),
                            ("segments", "segment and value marts build time on the current warehouse"),
                            ("channels", "channel economics and attribution marts build time on the current warehouse"),
                            ("audiences", "consent, audience marts and export files build time on the current warehouse"),
                            ("quality", "Great Expectations suites against the dbt build time")):
        on_warehouse = bench_sub.add_parser(name, help=help_text)
        on_warehouse.add_argument("--label", default="current warehouse",
                                  help='e.g. "scale 1" (names the docs/benchmarks.md block)')
        on_warehouse.add_argument("--no-record", action="store_true", help="do not write the figures to a file")
        on_warehouse.add_argument("--record-to", default=BENCH_DOC, help=f"where the figures go (default {BENCH_DOC})")
        if name in ("segments", "channels", "audiences"):
            on_warehouse.add_argument("--repeat", type=int, default=3,
                                      help="builds to run; the median one is reported (this machine's timings vary)")
        on_warehouse.set_defaults(func=cmd_bench_on_warehouse)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
