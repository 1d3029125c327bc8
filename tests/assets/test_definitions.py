"""The code location loads and its asset graph is wired the way the design says."""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from dagster_project.assets.dbt import _profile_points_at, as_of_day, dbt_build_args
from dagster_project.definitions import defs
from dagster_project.resources import DuckDBWarehouse


def test_definitions_load_with_job_and_stopped_schedule():
    assert defs.resolve_job_def("daily_refresh") is not None
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_schedule_requests_the_partition_of_the_day_before_the_run():
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    when = datetime(2026, 3, 1, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = dg.build_schedule_context(scheduled_execution_time=when, repository_def=defs.get_repository_def())
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.partition_key == "2026-02-28"
    build = ["build", "--indirect-selection", "buildable", "--exclude-resource-type", "unit_test"]
    assert dbt_build_args() == build
    assert dbt_build_args(full_refresh=True) == [*build, "--full-refresh"]
    # the partition reaches dbt as MDW_AS_OF (a command-line var would make dbt parse the project again)
    assert as_of_day("2026-02-28") == "2026-02-28" and as_of_day(None) == ""
    with pytest.raises(dg.Failure, match="YYYY-MM-DD"):
        as_of_day("28/02/2026")
    warehouse, before = DuckDBWarehouse(path="warehouse.duckdb"), os.environ.get("MDW_AS_OF")
    with _profile_points_at(warehouse, as_of_day(request.partition_key)):
        assert os.environ["MDW_AS_OF"] == "2026-02-28"
    assert os.environ.get("MDW_AS_OF") == before


def test_segment_marts_are_grouped_as_segments_downstream_of_the_customer_360():
    graph = defs.resolve_asset_graph()
    for model in ("mart_customer_rfm", "mart_customer_lifecycle", "mart_customer_value", "mart_value_model_fit",
                  "mart_customer_cross_sell", "mart_customer_profile", "mart_geography"):
        assert graph.get(dg.AssetKey(["marts", model])).group_name == "segments", model
    assert graph.get(dg.AssetKey(["intermediate", "int_customer_value_predicted"])).group_name == "segments"
    assert graph.get(dg.AssetKey(["intermediate", "int_identity_components_resolved"])).group_name == "core"
    profile_parents = graph.get(dg.AssetKey(["marts", "mart_customer_profile"])).parent_keys
    assert dg.AssetKey(["core", "dim_customers"]) in profile_parents
    assert dg.AssetKey(["marts", "mart_customer_value"]) in profile_parents


def test_each_source_feeds_its_staging_models():
    graph = defs.resolve_asset_graph()
    expected = {
        "stg_crm__contact_versions": "crm_contacts",
        "stg_crm__campaigns": "crm_campaigns",
        "stg_crm__campaign_activities": "crm_campaign_activity",
        "stg_orders__orders": "orders",
        "stg_orders__order_items": "order_items",
        "stg_social__engagements": "social_engagements",
        "stg_survey__responses": "survey_responses",
    }
    for model, raw_table in expected.items():
        node = graph.get(dg.AssetKey(["staging", model]))
        assert dg.AssetKey(["raw", raw_table]) in node.parent_keys, model
        assert node.group_name == "staging"
    # the latest contact is derived from the contact versions
    assert graph.get(dg.AssetKey(["staging", "stg_crm__contacts"])).parent_keys == {
        dg.AssetKey(["staging", "stg_crm__contact_versions"])}
    ingest_assets = {graph.get(dg.AssetKey(["raw", t])).group_name for t in expected.values()}
    assert ingest_assets == {"raw"}


def test_channel_marts_are_grouped_as_channels_with_descriptions():
    graph = defs.resolve_asset_graph()
    for key in (["marts", "mart_order_contribution"], ["marts", "mart_channel_acquisition"],
                ["marts", "mart_cohort_retention"], ["marts", "mart_attribution_journeys"],
                ["marts", "fct_attribution_credits"], ["marts", "mart_attribution_markov"],
                ["marts", "mart_channel_attribution"], ["marts", "mart_campaign_performance"],
                ["intermediate", "int_attribution_journey_touches"], ["intermediate", "int_campaign_spend_daily"]):
        node = graph.get(dg.AssetKey(key))
        assert node.group_name == "channels", key
        assert node.description and "One row per" in node.description, key
    assert graph.get(dg.AssetKey(["channel_map"])).group_name == "seeds"
    acquisition_parents = graph.get(dg.AssetKey(["marts", "mart_channel_acquisition"])).parent_keys
    assert dg.AssetKey(["marts", "mart_customer_value"]) in acquisition_parents
    profile_parents = graph.get(dg.AssetKey(["marts", "mart_customer_profile"])).parent_keys
    assert dg.AssetKey(["intermediate", "int_customers_acquired"]) in profile_parents


def test_customer_360_is_grouped_as_core_with_lineage_to_ingestion():
    graph = defs.resolve_asset_graph()
    for model in ("dim_customers", "customer_source_map", "fct_orders", "fct_touchpoints", "identity_key_registry"):
        assert graph.get(dg.AssetKey(["core", model])).group_name == "core", model
    upstream = graph.get(dg.AssetKey(["core", "dim_customers"])).parent_keys
    assert dg.AssetKey(["core", "customer_source_map"]) in upstream
    ancestors = set()
    frontier = {dg.AssetKey(["core", "dim_customers"])}
    while frontier:
        key = frontier.pop()
        for parent in graph.get(key).parent_keys:
            if parent not in ancestors:
                ancestors.add(parent)
                frontier.add(parent)
    assert {dg.AssetKey(["raw", t]) for t in ("crm_contacts", "orders", "social_engagements",
                                               "survey_responses")} <= ancestors


def test_dbt_tests_are_asset_checks():
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "unique_stg_orders__orders_order_id" in checks


def test_importing_the_code_location_changes_no_environment_and_parses_nothing(tmp_path):
    """Configuration reaches the code location through its resources; dbt is parsed by the command
    that needs it. A subprocess with a bare environment imports the definitions and compares."""
    import os
    import subprocess
    import sys

    from dagster_project.dbt_project import dbt_project

    script = ("import os; before = dict(os.environ); "
              "from dagster_project.definitions import defs; "
              "changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)); "
              "print(changed); print(defs.resources['warehouse'].path)")
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "MDW_WAREHOUSE": str(tmp_path / "w.duckdb")}
    manifest_time = dbt_project.manifest_path.stat().st_mtime
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    changed, warehouse = done.stdout.strip().splitlines()[-2:]
    assert changed == "[]"
    assert warehouse == str(tmp_path / "w.duckdb")
    assert dbt_project.manifest_path.stat().st_mtime == manifest_time
