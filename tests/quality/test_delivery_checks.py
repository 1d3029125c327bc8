"""The delivery checks as Dagster runs them, invoked directly on a hand-made manifest: a warning
rule fails with WARN severity (the build goes on), a broken delivery with ERROR (it stops)."""

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from dagster_project.assets.quality import quality_checks
from dagster_project.ingest.contract import FEEDS
from dagster_project.resources import DuckDBWarehouse


def _check(table: str, name: str):
    key = dg.AssetCheckKey(dg.AssetKey(["raw", table]), name)
    return next(c for c in quality_checks if key in c.check_keys)


@pytest.fixture
def warehouse(tmp_path):
    """15 daily contacts files of about 100 rows; the newest holds `newest` rows and was written
    `hours_ago` hours ago."""
    path = tmp_path / "w.duckdb"

    def build(newest: int, hours_ago: float) -> DuckDBWarehouse:
        now = datetime.now(UTC).replace(tzinfo=None)
        with duckdb.connect(str(path)) as con:
            con.execute("create schema if not exists raw")
            con.execute("""create or replace table raw.load_manifest (
                file_path varchar, source varchar, feed_file varchar, size_bytes bigint, content_hash varchar,
                rows_loaded bigint, rows_quarantined bigint, status varchar, error varchar, load_id varchar,
                loaded_at timestamp, modified_at timestamp)""")
            for i in range(15):
                day = date(2026, 3, 1) + timedelta(i)
                rows = newest if i == 14 else 100 + (i % 3) * 4
                modified = now - timedelta(hours=hours_ago + 24 * (14 - i))
                con.execute("insert into raw.load_manifest values (?, 'crm', 'contacts.csv', 1, 'h', ?, 0, 'loaded', "
                            "null, 'l', ?, ?)", [f"crm/{day}/contacts.csv", rows, modified, modified])
        return DuckDBWarehouse(path=str(path))

    return build


def test_every_feed_file_has_blocking_volume_and_freshness_checks():
    specs = {spec.key: spec for c in quality_checks for spec in c.check_specs}
    for feed_file in (ff for feed_files in FEEDS.values() for ff in feed_files):
        for name in ("delivery_volume", "delivery_freshness"):
            assert specs[dg.AssetCheckKey(dg.AssetKey(["raw", feed_file.table.name]), name)].blocking


def test_a_stale_source_warns(warehouse):
    result = _check("crm_contacts", "delivery_freshness")(dg.build_asset_check_context(), warehouse=warehouse(104, 50))
    assert (result.passed, result.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert result.description.startswith("WARN delivery_freshness: crm last delivered 50.0 h ago")
    fresh = _check("crm_contacts", "delivery_freshness")(dg.build_asset_check_context(), warehouse=warehouse(104, 10))
    assert fresh.passed


def test_a_broken_delivery_blocks_and_a_normal_one_passes(warehouse):
    volume = _check("crm_contacts", "delivery_volume")
    broken = volume(dg.build_asset_check_context(), warehouse=warehouse(10, 1))
    assert (broken.passed, broken.severity) == (False, dg.AssetCheckSeverity.ERROR)
    assert broken.metadata["blocked_by"].value == ["delivery_volume"]
    assert volume(dg.build_asset_check_context(), warehouse=warehouse(98, 1)).passed
    # a feed with no delivery yet is not judged
    assert _check("orders", "delivery_volume")(dg.build_asset_check_context(), warehouse=warehouse(98, 1)).passed
