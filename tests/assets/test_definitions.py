"""The code location loads and its asset graph is wired the way the design says."""

import dagster as dg

from dagster_project.definitions import defs


def test_definitions_load_with_job_and_stopped_schedule():
    assert defs.resolve_job_def("daily_refresh") is not None
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


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
