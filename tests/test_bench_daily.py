"""The daily benchmark's measurement of one phase: time, peak memory of the child processes, and
peak disk use of the warehouse's DuckDB and spill files."""

import sys

from mdw.bench_daily import measure, warehouse_bytes


def test_warehouse_bytes_counts_duckdb_and_spill_files_only(tmp_path):
    (tmp_path / "warehouse.duckdb").write_bytes(b"x" * 1000)
    (tmp_path / "marts.duckdb").write_bytes(b"x" * 200)
    (tmp_path / "warehouse.duckdb.tmp").mkdir()
    (tmp_path / "warehouse.duckdb.tmp" / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 30)
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "orders.jsonl").write_bytes(b"x" * 5000)
    (tmp_path / "history.log").write_text("not counted")
    assert warehouse_bytes(tmp_path) == 1230


def test_measure_samples_the_peak_of_a_spill_file_that_is_gone_by_the_end(tmp_path):
    spill = tmp_path / "warehouse.duckdb.tmp"
    spill.mkdir()
    script = (f"import pathlib, time; p = pathlib.Path({str(spill / 'spill.tmp')!r}); "
              "p.write_bytes(b'x' * 3 * 2**20); time.sleep(0.5); p.unlink()")
    phase = measure([sys.executable, "-c", script], {}, tmp_path / "phase.log", tmp_path, every=0.05)
    assert phase["peak_disk_mb"] == 3.0
    assert phase["peak_mb"] > 0 and phase["seconds"] >= 0.5
    assert warehouse_bytes(tmp_path) == 0
