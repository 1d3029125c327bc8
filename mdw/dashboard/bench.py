"""`mdw bench dashboard`: every page's queries, run as the page runs them, timed against a serving file.

Each page's loader (`queries.page_loads`) runs as in the app: one read-only connection per query,
opened and closed, while the page holds the file's DuckDB instance open (`queries.one_version`), so
the page's one start-up is part of the figure. One warm-up round first (the file
into the operating system's cache, as on a dashboard opened every morning), then `repeat` rounds;
the median round is reported per page and per query. The target: every page's queries together
under 1 s at scale 1.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from mdw.bench import _machine, _write_block
from mdw.dashboard import queries

TARGET_SECONDS = 1.0


@contextmanager
def _timed_queries(seconds: dict[str, float]) -> Iterator[None]:
    """Add each query's time to `seconds` under the name of the query function that ran it."""
    originals = queries._frame, queries._row

    def timed(run: Callable):
        def wrapper(*args, **kwargs):
            caller = sys._getframe(1).f_code.co_name
            started = time.perf_counter()
            try:
                return run(*args, **kwargs)
            finally:
                seconds[caller] = seconds.get(caller, 0.0) + time.perf_counter() - started
        return wrapper

    queries._frame, queries._row = timed(originals[0]), timed(originals[1])
    try:
        yield
    finally:
        queries._frame, queries._row = originals


def measure(serving: Path, repeat: int) -> dict[str, dict]:
    """Per page: the median seconds of its loader, its queries' median seconds and their count."""
    search_term = queries.sample_search_term(serving)
    loads = queries.page_loads(serving, search_term)
    for load in loads.values():  # warm-up round
        load()
    rounds: dict[str, list[float]] = defaultdict(list)
    per_query: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for _ in range(repeat):
        for page, load in loads.items():
            seconds: dict[str, float] = {}
            with _timed_queries(seconds):
                started = time.perf_counter()
                load()
                rounds[page].append(time.perf_counter() - started)
            for name, value in seconds.items():
                per_query[page][name].append(value)
    return {page: {"seconds": statistics.median(rounds[page]),
                   "queries": {name: statistics.median(values) for name, values in per_query[page].items()}}
            for page in loads}


def connection_seconds(serving: Path, repeat: int) -> float:
    """The median cost of what every query pays first: opening and closing a read-only connection."""
    import duckdb

    seconds = []
    for _ in range(max(repeat, 5)):
        started = time.perf_counter()
        duckdb.connect(str(serving), read_only=True).close()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def run_dashboard_benchmark(serving: Path, label: str, repeat: int, record_to: Path | None) -> int:
    if not serving.exists():
        print(f"No serving file at {serving}: run `mdw run` first, or pass --serving.", file=sys.stderr)
        return 1
    load_average = os.getloadavg()[0]
    print(f"Benchmark: the dashboard's queries on {serving} ({_machine()}, load average {load_average:.1f}), "
          f"median of {repeat} rounds")
    pages = measure(serving, repeat)
    connect = connection_seconds(serving, repeat)
    print(f"  (opening and closing one read-only connection: {connect * 1000:.0f} ms)")
    for page, figures in pages.items():
        slowest = max(figures["queries"].items(), key=lambda item: item[1])
        print(f"  {page:<26} {figures['seconds'] * 1000:7.0f} ms  ({len(figures['queries'])} queries; slowest "
              f"{slowest[0]} {slowest[1] * 1000:.0f} ms)")
    over = [page for page, figures in pages.items() if figures["seconds"] >= TARGET_SECONDS]
    print("  every page under 1 s" if not over else f"  over 1 s: {', '.join(over)}")
    if record_to:
        _record(record_to, serving, label, repeat, load_average, connect, pages)
        print(f"Recorded in {record_to}")
    return 0 if not over else 1


def _record(record_to: Path, serving: Path, label: str, repeat: int, load_average: float, connect: float,
            pages: dict) -> None:
    def queries_cell(figures: dict) -> str:
        ranked = sorted(figures["queries"].items(), key=lambda item: -item[1])
        return ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in ranked)

    _write_block(record_to, f"dashboard {label}", [
        f"### Dashboard queries, {label}",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} (load average {load_average:.1f} at the start) with "
        f"`mdw bench dashboard --serving {serving} "
        f"--label \"{label}\" --repeat {repeat}`: each page's queries as the page runs them, one read-only "
        "connection opened and closed per query while the page holds the file's DuckDB instance open "
        f"(`queries.one_version`: one start-up per page; a connection opened and closed alone costs "
        f"{connect * 1000:.0f} ms), median of {repeat} rounds after a warm-up round. Customer lookup: a search by the email of the customer with the "
        "most orders, then their card. Target: under 1 s per page.",
        "",
        "| page | queries | ms | each query, ms (slowest first) |",
        "|---|---:|---:|---|",
        *(f"| {page} | {len(figures['queries'])} | {figures['seconds'] * 1000:.0f} | {queries_cell(figures)} |"
          for page, figures in pages.items()),
    ])
