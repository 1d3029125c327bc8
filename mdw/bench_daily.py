"""`mdw bench daily --scale S`: the day's refresh through the incremental path against a full refresh.

A year of demo history at scale S (365 delivery days) is loaded and built from an empty warehouse
(`history`); then one more delivery day lands and `mdw run` takes it through the incremental
path (`daily`); then `mdw run` runs once more with nothing new (`again`: what a run costs
whatever the day brings, start-up, change detection, the models rebuilt whole, tests, checks and
publish); then `mdw run --full-refresh` rebuilds every model from the same raw tables (`full`).
Each phase is one `mdw run` in its own process: its wall time, its peak memory (the largest
resident size of the run's process or any process it started: dbt), and its peak disk use by the
warehouse, the serving file and DuckDB's spill files, sampled every few seconds (a scale-10 full
refresh on this machine stopped on a full disk, not on memory).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from mdw.bench import _machine, _write_block

HISTORY_DAYS = 365
START = date(2025, 1, 1)


def measure(command: list[str], env: dict[str, str], log: Path, workdir: Path, every: float = 2.0) -> dict:
    """Run `command` in a child process that reports its own children's peak memory; meanwhile
    sample the disk use of the DuckDB files in `workdir` (warehouse_bytes)."""
    peak_disk = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_disk
        while True:
            peak_disk = max(peak_disk, warehouse_bytes(workdir))
            if stop.wait(every):
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        with log.open("w", encoding="utf-8") as out:
            done = subprocess.run([sys.executable, "-m", "mdw.bench_daily", json.dumps(command)], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    lines = log.read_text(encoding="utf-8").splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command)} failed (exit {done.returncode}); see {log}")
    return {"seconds": seconds, "peak_mb": json.loads(lines[-1])["peak_mb"], "peak_disk_mb": peak_disk / 2**20}


def warehouse_bytes(workdir: Path) -> int:
    """Bytes of the DuckDB files directly in `workdir` (warehouse, its WAL, the serving file and its
    staging copy) and of the spill files in the warehouse's `.tmp` folder."""
    total = 0
    for path in (*workdir.glob("*.duckdb*"), *workdir.glob("*.duckdb.tmp/*")):
        with contextlib.suppress(FileNotFoundError):  # removed between listing and stat
            total += path.stat().st_size if path.is_file() else 0
    return total


def _hold_back_last_day(landing: Path, held: Path) -> str:
    """Move the newest delivery day's folders from `landing` to `held`; returns the day."""
    from dagster_project.partitions import landing_days

    day = landing_days(landing)[-1]
    for folder in landing.glob(f"*/{day}"):
        target = held / folder.parent.name / day
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)
    return day


def _deliver(held: Path, landing: Path) -> None:
    for folder in sorted(held.glob("*/*")):
        target = landing / folder.relative_to(held)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)


def run_daily_benchmark(scale: float, seed: int, workdir: Path, record_to: Path | None, keep: bool) -> int:
    workdir = workdir.resolve()
    landing, held = workdir / "landing", workdir / "held"
    print(f"Benchmark: the daily refresh at scale {scale:g}, in {workdir} ({_machine()})")
    if held.exists():  # a kept run's folders: the year and the held-back day, as generated
        _deliver(held, landing)
    if not (landing.is_dir() and any(landing.glob("*/*/*"))):
        from mdw.demo.generator import generate

        summary = generate(landing, START, HISTORY_DAYS + 1, scale, seed, progress=False)
        print(f"  generated {HISTORY_DAYS + 1} days ({sum(summary.rows.values()):,} records) in {summary.seconds:.0f}s")
    day = _hold_back_last_day(landing, held)
    for stale in ("warehouse.duckdb", "warehouse.duckdb.wal", "marts.duckdb"):
        (workdir / stale).unlink(missing_ok=True)
    for stale in ("dagster_home", "exports", "quality_docs", "warehouse.duckdb.tmp"):
        shutil.rmtree(workdir / stale, ignore_errors=True)
    env = {**os.environ, "MDW_LANDING": str(landing), "MDW_WAREHOUSE": str(workdir / "warehouse.duckdb"),
           "MDW_SERVING": str(workdir / "marts.duckdb"), "MDW_EXPORTS": str(workdir / "exports"),
           "DAGSTER_HOME": str(workdir / "dagster_home")}
    mdw = [sys.executable, "-m", "mdw.cli", "run", "--no-demo"]
    phases = {}
    phases["history"] = measure(mdw, env, workdir / "history.log", workdir)
    print(f"  history ({HISTORY_DAYS} days from an empty warehouse): {_figures(phases['history'])}")
    _deliver(held, landing)
    phases["daily"] = measure(mdw, env, workdir / "daily.log", workdir)
    print(f"  daily (delivery day {day}, incremental): {_figures(phases['daily'])}")
    phases["again"] = measure(mdw, env, workdir / "again.log", workdir)
    print(f"  again (nothing new delivered): {_figures(phases['again'])}")
    phases["full"] = measure([*mdw, "--full-refresh"], env, workdir / "full.log", workdir)
    print(f"  full refresh (same files): {_figures(phases['full'])}")
    share = {name: phases[name]["seconds"] / phases["full"]["seconds"] for name in ("daily", "again")}
    print(f"  daily / full: {share['daily']:.1%}; nothing new / full: {share['again']:.1%}")
    if record_to:
        _record(record_to, scale, day, phases, share)
        print(f"Recorded in {record_to}")
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _figures(phase: dict) -> str:
    return f"{phase['seconds']:.1f}s, peak {phase['peak_mb']:,.0f} MB, disk {phase['peak_disk_mb']:,.0f} MB"


def _record(record_to: Path, scale: float, day: str, phases: dict, share: dict[str, float]) -> None:
    names = {"history": f"history: {HISTORY_DAYS} delivery days from an empty warehouse (load and build)",
             "daily": f"daily: one more delivery day ({day}), incremental",
             "again": "again: `mdw run` once more, nothing new delivered",
             "full": "full refresh: `mdw run --full-refresh` over the same files"}
    _write_block(record_to, f"daily scale={scale:g}", [
        f"### Daily refresh against a full refresh, scale {scale:g}",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench daily --scale {scale:g}`. "
        "Each phase is one `mdw run` (ingest, dbt build with every data test, the quality checks, publish, "
        "exports); peak memory is the largest process of the run (the run itself or dbt); peak disk is "
        "the warehouse, serving and spill files together, sampled every 2 s (the landing files not counted).",
        "",
        "| phase | seconds | peak memory | peak disk |",
        "|---|---:|---:|---:|",
        *(f"| {names[name]} | {phase['seconds']:.1f} | {phase['peak_mb']:,.0f} MB | {phase['peak_disk_mb']:,.0f} MB |"
          for name, phase in phases.items()),
        "",
        f"Daily / full refresh: **{share['daily']:.1%}**. A run with nothing new: {share['again']:.1%} of the "
        "full refresh, the part of a daily run that does not depend on the day's data.",
    ])


if __name__ == "__main__":
    completed = subprocess.run(json.loads(sys.argv[1]))
    print(json.dumps({"peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
    sys.exit(completed.returncode)
