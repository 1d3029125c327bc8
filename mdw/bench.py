"""`mdw bench ...`: figures printed and recorded where `--record-to` points (default
docs/benchmarks.md of the folder mdw runs in; one block per benchmark and label, replaced on re-run).

- `ingest`: generation and ingestion against the floor of DuckDB's bare read; each phase runs in
  its own Python process so that its peak memory (max RSS) is its own.
- `identity`, `segments`, `channels`, `audiences`, `quality`: timings on the warehouse MDW_WAREHOUSE points at.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

BARE_READS = {
    "crm_contacts": "read_csv('{l}/crm/*/contacts.csv', ignore_errors = true)",
    "crm_campaigns": "read_csv('{l}/crm/*/campaigns.csv', ignore_errors = true)",
    "crm_campaign_activity": "read_csv('{l}/crm/*/campaign_activity.csv', ignore_errors = true)",
    "orders": "read_json('{l}/orders/*/orders.jsonl', format = 'newline_delimited', ignore_errors = true)",
    "social_engagements": "read_json('{l}/social/*/engagements.jsonl', format = 'newline_delimited', "
                          "ignore_errors = true)",
    "survey_responses": "read_csv('{l}/survey/*/responses.csv', ignore_errors = true)",
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_generate(landing: str, scale: float, days: int, seed: int) -> dict:
    from mdw.demo.generator import generate

    summary = generate(Path(landing), date(2025, 1, 1), days, scale, seed, progress=False)
    return {"seconds": summary.seconds, "rows": sum(summary.rows.values()), "files": summary.files}


def phase_ingest(landing: str, database: str) -> dict:
    import duckdb

    from dagster_project.ingest.contract import FEEDS
    from dagster_project.ingest.loader import ingest_feed_file

    started = time.perf_counter()
    con = duckdb.connect(database)
    con.execute("set enable_progress_bar = false")
    rows = quarantined = 0
    per_table = {}
    for feed_files in FEEDS.values():
        for ff in feed_files:
            result = ingest_feed_file(con, Path(landing), ff)
            rows += sum(result.rows.values())
            quarantined += result.quarantined
            per_table[ff.table.name] = round(result.seconds, 2)
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "quarantined": quarantined,
            "per_file_kind_seconds": per_table}


def phase_bare(landing: str, database: str) -> dict:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(database)
    con.execute("set enable_progress_bar = false")
    rows = 0
    per_table = {}
    for table, reader in BARE_READS.items():
        t0 = time.perf_counter()
        con.execute(f"create table {table} as select * from {reader.format(l=landing)}")
        per_table[table] = round(time.perf_counter() - t0, 2)
        rows += con.execute(f"select count(*) from {table}").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows, "per_file_kind_seconds": per_table}


PHASES = {"generate": phase_generate, "ingest": phase_ingest, "bare": phase_bare}


def _run_phase(name: str, **kwargs) -> dict:
    out = subprocess.run([sys.executable, "-m", "mdw.bench", name, json.dumps(kwargs)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark phase {name} failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _machine() -> str:
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GB RAM, {platform.machine()}, Python {platform.python_version()}"


def run_ingest_benchmark(scale: float, days: int, seed: int, workdir: Path, record_to: Path | None, keep: bool) -> int:
    workdir = workdir.resolve()
    landing, wh, bare = workdir / "landing", workdir / "ingest.duckdb", workdir / "bare.duckdb"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    print(f"Benchmark: scale {scale}, {days} days, seed {seed}, in {workdir} ({_machine()})")
    gen = _run_phase("generate", landing=str(landing), scale=scale, days=days, seed=seed)
    size_mb = _dir_bytes(landing) / 1024**2
    print(f"  generate: {gen['seconds']:.1f}s, {gen['rows']:,} records in {gen['files']} files "
          f"({size_mb:,.0f} MB), peak {gen['peak_mb']:,.0f} MB")
    ing = _run_phase("ingest", landing=str(landing), database=str(wh))
    print(f"  ingest:   {ing['seconds']:.1f}s, {ing['rows']:,} rows ({ing['rows'] / ing['seconds']:,.0f} rows/s), "
          f"{ing['quarantined']} quarantined, peak {ing['peak_mb']:,.0f} MB")
    print(f"            per file kind: {ing['per_file_kind_seconds']}")
    floor = _run_phase("bare", landing=str(landing), database=str(bare))
    ratio = ing["seconds"] / floor["seconds"]
    print(f"  bare DuckDB read (floor): {floor['seconds']:.1f}s, {floor['rows']:,} rows, peak {floor['peak_mb']:,.0f} MB")
    print(f"            per file kind: {floor['per_file_kind_seconds']}")
    print(f"  ingestion / floor: {ratio:.2f}x")
    if record_to:
        _record(record_to, scale, days, gen, ing, floor, size_mb, ratio)
        print(f"Recorded in {record_to}")
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def run_identity_benchmark(scale_label: str, record_to: Path | None) -> int:
    """Time identity resolution (normalise, graph, junk rules, connected components) on the
    warehouse MDW_WAREHOUSE points at, as built by `mdw run`, with the graph's size."""
    import duckdb

    from dagster_project.config import export_environment

    settings = export_environment()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        records = con.execute("select count(distinct record_key) from intermediate.int_identity_records_normalised"
                              ).fetchone()[0]
        edges = con.execute("select count(*) from intermediate.int_identity_edges_unpivoted").fetchone()[0]
        identifiers = con.execute("select count(*) from intermediate.int_identity_components_resolved").fetchone()[0]
        junk = con.execute("select count(*) from intermediate.int_identity_identifiers_profiled where is_junk"
                           ).fetchone()[0]
    models = ("int_identity_records_normalised int_identity_edges_unpivoted int_identity_identifiers_profiled "
              "int_identity_components_resolved")
    timings = {}
    for label, selection in (("identity resolution (4 models)", models),
                             ("connected components alone", "int_identity_components_resolved")):
        started = time.perf_counter()
        out = _dbt("run", selection.split())
        timings[label] = time.perf_counter() - started
        rounds = next((line.split("converged in ")[1].split()[0] for line in out.stdout.splitlines()
                       if "converged in" in line), "?")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"Identity benchmark ({scale_label}) on {settings.warehouse} ({_machine()})")
    print(f"  {records:,} records, {edges:,} record-identifier edges, {identifiers:,} usable identifiers, "
          f"{junk} junk identifiers; label propagation converged in {rounds} rounds")
    for label, seconds in timings.items():
        print(f"  {label}: {seconds:.1f}s (dbt start-up included), {records / seconds:,.0f} records/s, "
              f"{edges / seconds:,.0f} edges/s")
    print(f"  peak memory of dbt: {peak_mb:,.0f} MB")
    if record_to:
        key = f"identity {scale_label}"
        _write_block(record_to, key, [
            f"### Identity resolution, {scale_label}",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench identity --label \"{scale_label}\"` "
            "after `mdw run`.",
            "",
            "| step | seconds | records/s | edges/s |",
            "|---|---:|---:|---:|",
            *(f"| {label} | {seconds:.1f} | {records / seconds:,.0f} | {edges / seconds:,.0f} |"
              for label, seconds in timings.items()),
            "",
            f"Graph: {records:,} records, {edges:,} record-identifier edges, {identifiers:,} usable identifiers, "
            f"{junk} junk identifiers; converged in {rounds} rounds. Seconds include dbt's start-up (about 3 s). "
            f"Peak memory of the dbt process: {peak_mb:,.0f} MB (DuckDB's default memory limit is 80% of RAM; "
            "it uses what it may as cache).",
        ])
        print(f"Recorded in {record_to}")
    return 0


def _dbt(command: str, selection: list[str]) -> subprocess.CompletedProcess:
    """Run a dbt command on the project (MDW_WAREHOUSE must be exported); raise with its log on failure."""
    from dagster_project.config import DBT_PROJECT_DIR

    out = subprocess.run([str(Path(sys.executable).parent / "dbt"), command, "--select", *selection,
                          "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stdout[-4000:])
    return out


# dbt selections of the mart groups `mdw bench segments|channels|audiences` time: models, their seeds,
# and (by dbt's eager test selection) their data, unit and singular tests.
MART_GROUPS = {
    "segments": ("Segment and value marts",
                 ["path:models/intermediate/segments", "path:models/marts/segments", "rfm_segments",
                  "lifecycle_stages", "value_weights", "value_tiers", "brand_loyalty_offers"]),
    "channels": ("Channel economics and attribution marts",
                 ["path:models/intermediate/channels", "path:models/marts/channels", "channel_map",
                  "channel_commission_rates", "category_margins", "attribution_touch_types"]),
    "audiences": ("Consent and audience marts",
                  ["fct_consent_events", "contact_point_consent", "path:models/intermediate/audiences",
                   "path:models/marts/audiences", "channel_contact_points", "suppression_list"]),
}


def _time_exports(warehouse: Path) -> tuple[float, int, int]:
    """Seconds, files and rows of writing the audience export files (into a scratch folder)."""
    import tempfile

    import duckdb

    from dagster_project.exports import write_exports

    with tempfile.TemporaryDirectory() as scratch, duckdb.connect(str(warehouse)) as con:
        started = time.perf_counter()
        _, files = write_exports(con, Path(scratch), "bench")
        return time.perf_counter() - started, len(files), sum(f.rows for f in files)


def run_mart_group_benchmark(group: str, scale_label: str, record_to: Path | None, repeat: int = 3) -> int:
    """Time `dbt build` of one mart group (models, seeds, data tests and unit tests) on the
    warehouse MDW_WAREHOUSE points at, as built by `mdw run`, `repeat` times; the build with the
    median wall time is reported, with its per-model times from dbt's run_results.json."""
    import duckdb

    from dagster_project.config import DBT_PROJECT_DIR, export_environment

    title, selection = MART_GROUPS[group]
    settings = export_environment()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        customers = con.execute("select count(*) from core.dim_customers").fetchone()[0]
        orders = con.execute("select count(*) from core.fct_orders").fetchone()[0]
        touchpoints = con.execute("select count(*) from core.fct_touchpoints").fetchone()[0]
    builds = []
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        _dbt("build", selection)
        builds.append((time.perf_counter() - started,
                       json.loads((DBT_PROJECT_DIR / "target" / "run_results.json").read_text(encoding="utf-8"))))
    walls = sorted(wall for wall, _ in builds)
    total, results = sorted(builds, key=lambda build: build[0])[len(builds) // 2]
    spread = f"median of {len(walls)} builds ({', '.join(f'{wall:.1f}' for wall in walls)} s)"
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    models = sorted(((r["unique_id"].split(".")[-1], r["execution_time"]) for r in results["results"]
                     if r["unique_id"].startswith("model.")), key=lambda item: -item[1])
    model_seconds = sum(seconds for _, seconds in models)
    checks = sum(r["execution_time"] for r in results["results"] if not r["unique_id"].startswith("model."))
    sizes = f"{customers:,} customers, {orders:,} orders, {touchpoints:,} touchpoints"
    print(f"{title} benchmark ({scale_label}) on {settings.warehouse} ({_machine()})")
    print(f"  {sizes}")
    print(f"  dbt build: {total:.1f}s wall (start-up included), {spread}, peak memory {peak_mb:,.0f} MB")
    print(f"  models: {model_seconds:.1f}s summed over {len(models)} models ({customers / model_seconds:,.0f} "
          f"customers/s); seeds and tests: {checks:.1f}s summed (two threads run side by side)")
    for name, seconds in models:
        print(f"    {name:<40} {seconds:6.2f}s")
    exports = _time_exports(settings.warehouse) if group == "audiences" else None
    if exports:
        print(f"  export files: {exports[0]:.1f}s for {exports[1]} files, {exports[2]:,} rows")
    if record_to:
        _write_block(record_to, f"{group} {scale_label}", [
            f"### {title}, {scale_label}",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench {group} --label \"{scale_label}\" "
            f"--repeat {len(walls)}` "
            "after `mdw run`.",
            "",
            f"{sizes}. `dbt build` of the group with its seeds, data tests and unit tests: **{total:.1f} s** wall, "
            f"dbt start-up included, {spread}; peak memory {peak_mb:,.0f} MB. Models alone: {model_seconds:.1f} s summed "
            f"({customers / model_seconds:,.0f} customers/s).",
            "",
            "| model | seconds |",
            "|---|---:|",
            *(f"| {name} | {seconds:.2f} |" for name, seconds in models),
            *([f"| export files ({exports[1]} files, {exports[2]:,} rows; Dagster asset audience_exports) | "
               f"{exports[0]:.2f} |"] if exports else []),
        ])
        print(f"Recorded in {record_to}")
    return 0


def run_quality_benchmark(scale_label: str, record_to: Path | None) -> int:
    """Time the whole `dbt build` and the Great Expectations suites on the warehouse MDW_WAREHOUSE
    points at (as built by `mdw run`), and print the suites' share of the build time."""
    from dagster_project.config import export_environment
    from expectations.engine import validate
    from expectations.suites import SUITES

    settings = export_environment()
    started = time.perf_counter()
    _dbt("build", ["fqn:*"])
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as docs_root:  # as the asset checks run them: with Data Docs
        outcomes = validate(settings.warehouse, SUITES, docs_root=Path(docs_root))
    suite_seconds = time.perf_counter() - started
    share = suite_seconds / build_seconds
    print(f"Quality benchmark ({scale_label}) on {settings.warehouse} ({_machine()})")
    print(f"  dbt build (all models and tests): {build_seconds:.1f}s")
    print(f"  {len(outcomes)} Great Expectations suites: {suite_seconds:.1f}s ({share:.0%} of the build)")
    for outcome in outcomes:
        print(f"    {outcome.suite:<36} {outcome.seconds:6.2f}s  {'passed' if outcome.success else 'FAILED'}")
    if record_to:
        _write_block(record_to, f"quality {scale_label}", [
            f"### Quality gate, {scale_label}",
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench quality --label \"{scale_label}\"` "
            "after `mdw run`.",
            "",
            f"`dbt build` of the whole project: **{build_seconds:.1f} s**. The {len(outcomes)} Great Expectations "
            f"suites, run in DuckDB: **{suite_seconds:.1f} s**, {share:.0%} of the build (target: under 20%). "
            "The suites' time includes importing Great Expectations once (about 5 s) and rendering their "
            "Data Docs.",
            "",
            "| suite | seconds | result |",
            "|---|---:|---|",
            *(f"| {o.suite} | {o.seconds:.2f} | {'passed' if o.success else 'failed'} |" for o in outcomes),
        ])
        print(f"Recorded in {record_to}")
    return 0


def _write_block(doc: Path, key: str, lines: list[str]) -> None:
    """Replace (or append) the block for `key` in the benchmarks document `doc`."""
    begin, end = f"<!-- BEGIN {key} -->", f"<!-- END {key} -->"
    block = "\n".join([begin, *lines, end])
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


def _record(record_to, scale, days, gen, ing, floor, size_mb, ratio) -> None:
    _write_block(record_to, f"ingest scale={scale:g} days={days}", [
        f"### Ingestion, scale {scale:g}, {days} days",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {_machine()} with `mdw bench ingest --scale {scale:g} --days {days}`.",
        "",
        "| phase | seconds | rows | rows/s | peak memory |",
        "|---|---:|---:|---:|---:|",
        f"| generate ({size_mb:,.0f} MB of landing files) | {gen['seconds']:.1f} | {gen['rows']:,} | "
        f"{gen['rows'] / gen['seconds']:,.0f} | {gen['peak_mb']:,.0f} MB |",
        f"| ingest (loader: lineage, validation, quarantine, manifest) | {ing['seconds']:.1f} | {ing['rows']:,} | "
        f"{ing['rows'] / ing['seconds']:,.0f} | {ing['peak_mb']:,.0f} MB |",
        f"| bare DuckDB read of the same files (floor) | {floor['seconds']:.1f} | {floor['rows']:,} | "
        f"{floor['rows'] / floor['seconds']:,.0f} | {floor['peak_mb']:,.0f} MB |",
        "",
        f"Ingestion / floor: **{ratio:.2f}x**. Rows quarantined: {ing['quarantined']}.",
        "",
        f"Seconds per file kind, loader: {ing['per_file_kind_seconds']}; "
        f"bare read: {floor['per_file_kind_seconds']}.",
    ])


if __name__ == "__main__":
    name, kwargs = sys.argv[1], json.loads(sys.argv[2])
    result = PHASES[name](**kwargs)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))
