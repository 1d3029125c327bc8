"""Write-audit-publish end to end: a clean run publishes; each kind of broken feed is caught by a
named blocking check, nothing is published and the previous serving file stays byte-identical;
retracting the broken deliveries lets the next refresh publish.

Three whole refreshes, shared by every assertion: the clean run (the session's published_demo,
shared with test_pipeline), one run with every broken feed delivered at once (each case lands in
its own file), and the run after the retraction."""

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.config import Settings
from dagster_project.ingest.manifest import retract
from tests.conftest import run_daily_refresh, settings_under

pytestmark = pytest.mark.e2e


def _run(settings: Settings):
    return run_daily_refresh(settings)


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(published_demo):
    """The clean run of the whole job on the small demo landing folder (shared with test_pipeline)."""
    return published_demo


def test_a_clean_run_checks_and_publishes(published):
    root, result = published
    assert result.success
    evaluations = result.get_asset_check_evaluations()
    suites = {e.check_name for e in evaluations if e.check_name.endswith("_suite")}
    assert {"raw_orders_suite", "raw_survey_responses_suite", "raw_crm_campaigns_suite", "contact_point_consent_suite",
            "mart_customer_profile_suite"} <= suites
    assert all(e.passed for e in evaluations if e.check_name.endswith("_suite"))
    # the results render as Great Expectations Data Docs beside the warehouse
    profile_check = next(e for e in evaluations if e.check_name == "mart_customer_profile_suite")
    page = Path(profile_check.metadata["data_docs"].value)  # the check's own validation page
    site = root / "quality_docs" / "gx" / "uncommitted" / "data_docs" / "local_site"
    assert page.is_file() and page.is_relative_to(site / "validations" / "mart_customer_profile_suite")
    assert "mart_customer_profile_suite" in (site / "index.html").read_text(encoding="utf-8")
    published_keys = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["serving", "published_marts"]) in published_keys
    assert dg.AssetKey(["exports", "audience_exports"]) in published_keys
    assert list((root / "exports").glob("*/*.manifest.json"))
    with duckdb.connect(str(root / "marts.duckdb"), read_only=True) as con:
        run_id, checks = con.execute("select run_id, check_results from _publish.run").fetchone()
        assert run_id == result.run_id
        assert any(c["check"] == "mart_customer_profile_suite" and c["passed"] for c in json.loads(checks))
        profiles = con.execute("select count(*) from mart_customer_profile").fetchone()[0]
        assert profiles == con.execute("select row_count from _publish.published_tables "
                                       "where table_name = 'mart_customer_profile'").fetchone()[0] > 0
        assert con.execute("select count(*) from dim_customers").fetchone()[0] == profiles
        # the channel marts are served beside the segment marts
        served = {row[0] for row in con.execute("select table_name from _publish.published_tables").fetchall()}
        assert {"mart_order_contribution", "mart_channel_acquisition", "mart_cohort_retention",
                "mart_channel_attribution", "mart_campaign_performance", "fct_attribution_credits"} <= served


def _order(order_id, at="2026-02-20 10:00:00", total=100, **extra):
    order = {"order_id": order_id, "ordered_at": at, "updated_at": at, "status": "paid", "channel": "web",
             "currency": "CNY", "customer": {"email": f"{order_id}@example.com"},
             "items": [{"sku": "S1", "product_name": "P", "category": "snacks", "brand": "B",
                        "brand_tier": "store", "quantity": 1, "unit_price": total}],
             "discount": 0, "shipping": 0, "total": total}
    order.update(extra)
    return json.dumps(order)


SURVEY_HEADER = "response_id,survey_id,submitted_at,contact_id,email,phone,nps,csat,comment\n"
BROKEN_FEEDS = {
    "nps_of_11": ("survey/2026-02-20/responses.csv",
                  SURVEY_HEADER + "BAD1,NPS,2026-02-20 10:00:00,,bad@example.com,,11,4,\n",
                  "raw_survey_responses_suite", "nps_between_0_and_10", "BAD1"),
    "spike_of_null_ids": ("orders/2026-02-20/orders.jsonl",
                          "\n".join(_order(None) for _ in range(30)) + "\n",
                          "raw_orders_suite", "no_quarantine_spike_in_a_file", "orders/2026-02-20/orders.jsonl"),
    "future_dated_batch": ("orders/2026-02-21/orders.jsonl",
                           "\n".join(_order(f"FUT{i}", at="2099-02-20 10:00:00") for i in range(5)) + "\n",
                           "raw_orders_suite", "ordered_at_not_in_future", "2099-02-20"),
    "duplicated_orders_with_conflicting_amounts": (
        "orders/2026-02-22/orders.jsonl",
        _order("DUP1", total=100) + "\n" + _order("DUP1", total=999) + "\n",
        "raw_orders_suite", "no_conflicting_duplicates", "DUP1"),
    # one row where the feed's history says about 25: far below its own level, so it blocks
    "nearly_empty_delivery": ("social/2026-02-20/engagements.jsonl",
                              json.dumps({"event_id": "HALF1", "platform": "wechat", "event_type": "like",
                                          "occurred_at": "2026-02-20 10:00:00", "user_handle": "someone"}) + "\n",
                              "delivery_volume", None, "2026-02-20"),
}


@pytest.fixture(scope="module")
def broken(published, tmp_path_factory):
    """A copy of the published state with every broken feed delivered, and one refresh over it."""
    root, _ = published
    copy_root = tmp_path_factory.mktemp("broken")
    for name in ("landing", "warehouse.duckdb", "marts.duckdb"):
        copy = shutil.copytree if (root / name).is_dir() else shutil.copy2
        copy(root / name, copy_root / name)
    settings = settings_under(copy_root)
    before = _sha256(settings.serving)
    for relative, content, *_ in BROKEN_FEEDS.values():
        (settings.landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (settings.landing / relative).write_text(content, encoding="utf-8")
    result = _run(settings)
    with duckdb.connect(str(settings.serving), read_only=True) as con:  # still readable: the previous run
        profiles = con.execute("select count(*) from mart_customer_profile").fetchone()[0]
    return settings, result, before == _sha256(settings.serving), profiles


@pytest.mark.parametrize("case", sorted(BROKEN_FEEDS))
def test_a_broken_feed_is_caught_and_nothing_is_published(broken, case):
    settings, result, serving_unchanged, profiles = broken
    _, _, check_name, expectation, sample = BROKEN_FEEDS[case]
    assert not result.success
    # the named check blocks (a small broken file may also be off its feed's usual volume)
    blocking = {e.check_name: e for e in result.get_asset_check_evaluations()
                if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR}
    assert check_name in blocking, sorted(blocking)
    failed = blocking[check_name]
    assert sample in failed.description  # the message names the rule and shows the values
    if expectation:
        assert expectation in failed.metadata["failed_expectations"].value
        assert expectation in failed.description
        assert sample in json.dumps(failed.metadata["unexpected_samples"].value)
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["serving", "published_marts"]) not in materialized
    assert serving_unchanged and profiles > 0
    # behind the same gate, no audience export is written
    assert dg.AssetKey(["exports", "audience_exports"]) not in materialized
    assert not settings.exports.exists()


def test_loaded_bad_deliveries_are_retracted_and_the_next_refresh_publishes(broken):
    """Rows that failed a blocking check stay loaded; retracting their files (no hand-written DELETE)
    lets the next refresh pass and publish, and the files are not loaded again."""
    settings, *_ = broken
    before = _sha256(settings.serving)
    files = sorted(relative for relative, *_ in BROKEN_FEEDS.values())
    with duckdb.connect(str(settings.warehouse)) as con:
        for relative in files:
            assert retract(con, relative, "broken delivery") == [relative]

    result = _run(settings)

    assert result.success
    assert _sha256(settings.serving) != before
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.survey_responses where response_id = 'BAD1'").fetchone()[0] == 0
        assert con.execute("select count(*) from raw.orders where order_id like 'FUT%' or order_id = 'DUP1'"
                           ).fetchone()[0] == 0
        statuses = con.execute("select file_path, arg_max(status, loaded_at) from raw.load_manifest "
                               "where file_path in (select unnest(?::varchar[])) group by 1 order by 1",
                               [files]).fetchall()
        assert statuses == [(f, "retracted") for f in files]
