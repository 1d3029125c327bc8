"""`mdw bench engines --scale S`: the same landing files built on DuckDB and on Spark.

Demo data at scale S (`--days` delivery days) is generated once; then, for each engine, one `mdw run`
from an empty warehouse in its own folder (MDW_ENGINE=duckdb, then spark). Each run's wall time,
and per phase (ingestion, dbt steps, the tables fitted in Python, quality checks, publish and
exports) the seconds its steps took, read from the run's Dagster event log, and the peak memory of
the whole process tree during them (the run, dbt and, on Spark, the JVM: resident sizes summed,
sampled every second from /proc).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from mdw.bench import _machine, _write_block

START = date(2026, 1, 1)
ENGINES = ("duckdb", "spark")
PHASES = ("ingest", "dbt", "fitted", "checks", "publish", "total")


def first_day(days: int, today: date) -> date:
    """The first delivery day: START, or earlier where START + days would reach past today (the raw
    suites block events in the future)."""
    return min(START, today - timedelta(days=days))


def tree_rss_bytes(root: int) -> int:
    """Resident bytes of process `root` and all its descendants (0 once it is gone)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pages = int((entry / "statm").read_text().split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue  # exited while listed
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        rss[int(entry.name)] = pages * page
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += rss.get(pid, 0)
        pending.extend(children.get(pid, []))
    return total


def phase_of(step_key: str) -> str:
    """The phase a step of daily_refresh belongs to."""
    if step_key.startswith("ingest_"):
        return "ingest"
    if step_key.startswith("dbt_models"):
        return "dbt"
    if step_key.endswith(("_suite", "_delivery_volume", "_delivery_freshness")):
        return "checks"
    if step_key.startswith(("serving__", "exports__")):
        return "publish"
    return "fitted"


def run_measured(command: list[str], env: dict[str, str], log: Path) -> tuple[float, list[tuple[float, int]]]:
    """Run `command`; its wall seconds and (time, resident bytes of its process tree) every second."""
    samples: list[tuple[float, int]] = []
    with log.open("w", encoding="utf-8") as out:
        started = time.time()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((time.time(), tree_rss_bytes(process.pid)))
                stop.wait(1.0)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = process.wait()
        stop.set()
        sampler.join()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed (exit {code}); see {log}")
    return time.time() - started, samples


def phase_figures(dagster_home: Path, seconds: float, samples: list[tuple[float, int]]) -> dict[str, dict]:
    """{phase: {seconds, peak_mb}} of the last run recorded under `dagster_home`."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = [s for s in instance.get_run_step_stats(run.run_id) if s.start_time and s.end_time]
    figures = {phase: {"seconds": 0.0, "peak_mb": 0.0} for phase in PHASES}
    for step in steps:
        phase = figures[phase_of(step.step_key)]
        phase["seconds"] += step.end_time - step.start_time
        during = [rss for at, rss in samples if step.start_time <= at <= step.end_time + 1]
        phase["peak_mb"] = max([phase["peak_mb"], *(rss / 2**20 for rss in during)])
    figures["total"] = {"seconds": seconds, "peak_mb": max((rss for _, rss in samples), default=0) / 2**20}
    return figures


def run_engines_benchmark(scale: float, days: int, seed: int, workdir: Path, record_to: Path | None,
                          keep: bool) -> int:
    from mdw.demo.generator import generate

    workdir = workdir.resolve()
    landing = workdir / "landing"
    print(f"Benchmark: the same landing files on DuckDB and on Spark, scale {scale:g}, {days} days, in {workdir} "
          f"({_machine()})")
    if not (landing.is_dir() and any(landing.glob("*/*/*"))):
        summary = generate(landing, first_day(days, date.today()), days, scale, seed, progress=False)
        print(f"  generated {days} days ({sum(summary.rows.values()):,} records) in {summary.seconds:.0f}s")
    results = {}
    for engine in ENGINES:
        folder = workdir / engine
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env = {**os.environ, "MDW_ENGINE": engine, "MDW_LANDING": str(landing),
               "MDW_WAREHOUSE": str(folder / "warehouse.duckdb"), "MDW_SERVING": str(folder / "marts.duckdb"),
               "MDW_EXPORTS": str(folder / "exports"), "DAGSTER_HOME": str(folder / "dagster_home"),
               "MDW_RAW_PARQUET": str(folder / "raw_parquet"), "MDW_SPARK_WAREHOUSE": str(folder / "spark")}
        seconds, samples = run_measured([sys.executable, "-m", "mdw.cli", "run", "--no-demo"], env,
                                        folder / "run.log")
        results[engine] = phase_figures(folder / "dagster_home", seconds, samples)
        print(f"  {engine}: " + ", ".join(f"{phase} {f['seconds']:.1f}s / {f['peak_mb']:,.0f} MB"
                                          for phase, f in results[engine].items()))
    if record_to:
        _record(record_to, scale, days, results)
        print(f"Recorded in {record_to}")
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _record(record_to: Path, scale: float, days: int, results: dict[str, dict]) -> None:
    rows = [f"| {phase} | " + " | ".join(f"{results[e][phase]['seconds']:,.1f} | {results[e][phase]['peak_mb']:,.0f} MB"
                                         for e in ENGINES) + " |" for phase in PHASES]
    _write_block(record_to, f"engines scale={scale:g} days={days}", [
        f"### DuckDB and Spark on the same landing files, scale {scale:g}, {days} days",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench engines --scale {scale:g} "
        f"--days {days}`: one `mdw run` from an empty warehouse per engine (Spark: local session, "
        "`local[<MDW_DUCKDB_THREADS>]`). Seconds are the phase's steps summed (total: the whole `mdw run`, "
        "start to exit); peak memory is the largest resident size of the whole process tree (run, dbt, JVM) "
        "while they ran.",
        "",
        "| phase | DuckDB seconds | DuckDB peak | Spark seconds | Spark peak |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ])
