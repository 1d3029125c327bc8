"""Nothing unnamed in the Dagster UI: a description on every dbt test's check, owners on every asset,
code references, freshness policies on what the daily refresh must keep fresh, row counts and
column types on the dbt assets after a build, and no raw personal data in any preview."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DagsterDbtTranslatorSettings

from dagster_project.assets.dbt import (
    WarehouseDbt,
    WarehouseTranslator,
    _profile_points_at,
    attach_to_tables,
    describe_relations,
    keep_partial_parse,
    translator,
    with_table_metadata,
)
from dagster_project.config import DATA_ENGINEERING, MARKETING_ANALYTICS, asset_owners
from dagster_project.dbt_child import dbt_executable
from dagster_project.dbt_project import dbt_project
from dagster_project.dbt_test_descriptions import describe_test
from dagster_project.definitions import defs
from dagster_project.resources import DuckDBWarehouse, LandingZone
from dagster_project.schedules import daily_freshness_policy
from tests.ingest.helpers import write

MANIFEST = {"nodes": {"model.p.dim_customers": {"resource_type": "model", "name": "dim_customers"},
                      "model.p.mart_audience_members": {"resource_type": "model", "name": "mart_audience_members"}},
            "sources": {}}


def _generic(name: str, kwargs: dict, column: str | None = None, model: str = "dim_customers", **node) -> dict:
    """A generic test node as the manifest writes it."""
    return {"resource_type": "test", "name": f"{name}_{model}", "column_name": column,
            "attached_node": f"model.p.{model}", "description": "", "meta": {}, "config": {"severity": "ERROR"},
            "test_metadata": {"name": name, "namespace": None, "kwargs": {
                **({"column_name": column} if column else {}), **kwargs,
                "model": f"{{{{ get_where_subquery(ref('{model}')) }}}}"}}, **node}


# ---- descriptions of dbt tests (hand-made manifest nodes) ----

def test_built_in_generic_tests_are_described_from_name_column_and_arguments():
    assert describe_test(_generic("unique", {}, "customer_key"), MANIFEST) == "customer_key of dim_customers is unique"
    assert describe_test(_generic("not_null", {}, "customer_key"), MANIFEST) == \
        "customer_key of dim_customers is never null"
    relationships = _generic("relationships", {"to": "ref('dim_customers')", "field": "customer_key"}, "customer_key",
                             model="mart_audience_members")
    assert describe_test(relationships, MANIFEST) == \
        "every customer_key of mart_audience_members is in dim_customers.customer_key"
    accepted = _generic("accepted_values", {"values": ["selected", "suppressed", "no_consent"]}, "outcome",
                        model="mart_audience_members")
    assert describe_test(accepted, MANIFEST) == \
        "outcome of mart_audience_members is one of: selected, suppressed, no_consent"


def test_accepted_values_from_a_var_are_listed_with_the_var_name():
    from_var = _generic("accepted_values", {"values": "{{ var('source_systems') }}"}, "source")
    assert describe_test(from_var, MANIFEST, {"source_systems": ["crm", "orders"]}) == \
        "source of dim_customers is one of the source_systems: crm, orders"
    combined = _generic("accepted_values", {"values": "{{ ['order'] + var('kinds') }}"}, "touch_type")
    assert describe_test(combined, MANIFEST, {"kinds": ["like", "share"]}) == \
        "touch_type of dim_customers is one of: order, like, share"
    many = _generic("accepted_values", {"values": list(range(1, 21)), "quote": False}, "decile")
    assert describe_test(many, MANIFEST).endswith("1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, ... (20 in all)")


def test_the_projects_custom_generic_tests_are_described():
    combination = _generic("unique_combination", {"columns": ["customer_key", "channel"]})
    assert describe_test(combination, MANIFEST) == "each combination of customer_key, channel is unique in dim_customers"
    assert describe_test(_generic("not_negative", {}, "lifetime_net_revenue_cny"), MANIFEST) == \
        "lifetime_net_revenue_cny of dim_customers is never negative (null passes)"
    limit = _generic("max_identifiers_per_customer",
                     {"max_identifiers": "{{ var('identity_max_component_identifiers') }}"}, "component_id")
    assert describe_test(limit, MANIFEST, {"identity_max_component_identifiers": 50}) == (
        "no component_id of dim_customers holds more than 50 (var identity_max_component_identifiers) identifiers "
        "(an over-merge)")
    unknown = _generic("recent_enough", {"days": 3}, "updated_at")
    assert describe_test(unknown, MANIFEST) == "recent enough holds for updated_at of dim_customers (days: 3)"


def test_singular_tests_are_described_by_the_comment_at_the_top_of_their_file():
    block = {"resource_type": "test", "name": "assert_touch_types_are_listed", "test_metadata": None,
             "raw_code": "{#-\n    Warns about touch types missing from\n    the seed.\n-#}\n{{ config(severity='warn') }}"}
    assert describe_test(block) == "Warns about touch types missing from the seed."
    dashes = {"resource_type": "test", "name": "assert_credits_sum_to_one",
              "raw_code": "-- Credits sum to 1\n-- for every journey.\nselect 1 where false"}
    assert describe_test(dashes) == "Credits sum to 1 for every journey."
    bare = {"resource_type": "test", "name": "assert_every_order_is_mapped", "raw_code": "select 1 where false"}
    assert describe_test(bare) == "Every order is mapped"


def test_a_description_written_in_the_yaml_wins_and_a_where_filter_is_said():
    assert describe_test(_generic("unique", {}, "customer_key", description="One row per customer."),
                         MANIFEST) == "One row per customer."
    assert describe_test(_generic("unique", {}, "customer_key", meta={"description": "From meta."}),
                         MANIFEST) == "From meta."
    filtered = _generic("not_null", {}, "email", config={"where": "is_current"})
    assert describe_test(filtered, MANIFEST) == "email of dim_customers is never null (rows where is_current)"


def test_every_asset_check_of_the_code_location_has_a_description():
    graph = defs.get_repository_def().asset_graph
    missing = [key.to_user_string() for key in graph.asset_check_keys if not graph.get_check_spec(key).description]
    assert missing == []
    spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["staging", "stg_orders__orders"]),
                                                 "unique_stg_orders__orders_order_id"))
    assert spec.description == "order_id of stg_orders__orders is unique"


# ---- owners, code references, freshness ----

def test_every_asset_has_an_owner_by_layer():
    graph = defs.resolve_asset_graph()
    assert [node.key for node in graph.asset_nodes if not node.owners] == []
    expected = {("raw", "crm_contacts"): DATA_ENGINEERING, ("staging", "stg_orders__orders"): DATA_ENGINEERING,
                ("core", "dim_customers"): DATA_ENGINEERING, ("serving", "published_marts"): DATA_ENGINEERING,
                ("marts", "mart_customer_rfm"): MARKETING_ANALYTICS, ("channel_map",): MARKETING_ANALYTICS,
                ("exports", "audience_exports"): MARKETING_ANALYTICS}
    assert {key: graph.get(dg.AssetKey(list(key))).owners for key in expected} == {
        key: [owner] for key, owner in expected.items()}


def test_owners_are_configurable_by_group_and_yaml_owners_win():
    owners = asset_owners("segments=team:growth,segments=jane@example.com")
    custom = WarehouseTranslator(owners=owners)
    mart = {"resource_type": "model", "fqn": ["marketing_dw", "marts", "segments", "mart_customer_rfm"], "meta": {}}
    assert custom.get_owners(mart) == ["team:growth", "jane@example.com"]
    assert custom.get_owners({**mart, "fqn": ["marketing_dw", "core", "dim_customers"]}) == [DATA_ENGINEERING]
    assert custom.get_owners({**mart, "config": {"meta": {"dagster": {"owners": ["team:crm"]}}}}) == ["team:crm"]
    with pytest.raises(ValueError, match="MDW_ASSET_OWNERS"):
        asset_owners("segments=growth")


def test_every_asset_links_to_the_code_that_defines_it():
    graph = defs.resolve_asset_graph()
    for node in graph.asset_nodes:
        if not node.is_materializable:
            continue
        references = node.metadata.get("dagster/code_references")
        assert references is not None, node.key
        paths = [Path(r.file_path) for r in references.code_references]
        assert all(p.is_file() for p in paths), (node.key, paths)
    dim = graph.get(dg.AssetKey(["core", "dim_customers"])).metadata["dagster/code_references"]
    assert {Path(r.file_path).name for r in dim.code_references} == {"dim_customers.sql", "dbt.py"}


def test_landing_feeds_and_published_marts_must_be_fresh_within_a_day_of_the_schedule(monkeypatch):
    graph = defs.resolve_asset_graph()
    fresh = {node.key for node in graph.asset_nodes if node.freshness_policy is not None}
    assert dg.AssetKey(["serving", "published_marts"]) in fresh
    assert {dg.AssetKey(["raw", t]) for t in ("crm_contacts", "orders", "social_engagements")} <= fresh
    policy = graph.get(dg.AssetKey(["serving", "published_marts"])).freshness_policy
    assert (policy.fail_window.to_timedelta(), policy.warn_window.to_timedelta()) == (timedelta(hours=30),
                                                                                      timedelta(hours=26))
    monkeypatch.setenv("MDW_FRESHNESS_FAIL_HOURS", "48")
    assert daily_freshness_policy().fail_window.to_timedelta() == timedelta(hours=48)
    monkeypatch.setenv("MDW_FRESHNESS_WARN_HOURS", "50")
    with pytest.raises(ValueError, match="MDW_FRESHNESS_WARN_HOURS"):
        daily_freshness_policy()


def test_dbt_asset_definitions_carry_the_yaml_columns():
    schema = defs.resolve_asset_graph().get(dg.AssetKey(["core", "dim_customers"])).metadata["dagster/column_schema"]
    columns = {column.name: column for column in schema.columns}
    assert "customer_key" in columns and columns["customer_key"].description


# ---- row counts and column types after a build ----

def _output(unique_id: str) -> dg.Output:
    return dg.Output(None, output_name=unique_id.replace(".", "_"), metadata={"unique_id": unique_id})


def _check(name: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(asset_key=dg.AssetKey("a"), check_name=name, passed=True, metadata={"unique_id": name})


def test_only_the_tables_events_are_enriched_in_their_order_and_a_failure_is_raised_after_them():
    seen = []

    def enrich(tables):
        seen.extend(tables)
        return (e.with_metadata({**e.metadata, "dagster/row_count": n}) for n, e in enumerate(tables))

    def failing_build():
        yield _output("model.p.a")
        yield _check("unique_a_id")
        yield _output("model.p.b")
        raise RuntimeError("dbt build failed")

    events = []
    with pytest.raises(RuntimeError, match="dbt build failed"):
        for event in attach_to_tables(failing_build(), enrich):
            events.append(event)
    assert [type(e).__name__ for e in events] == ["Output", "AssetCheckResult", "Output"]
    assert [e.metadata.get("dagster/row_count") for e in events] == [dg.IntMetadataValue(0), None,
                                                                     dg.IntMetadataValue(1)]
    assert [e.metadata["unique_id"].text for e in seen] == ["model.p.a", "model.p.b"]


def test_a_dbt_build_reports_row_counts_and_column_types_and_leaves_the_warehouse_free(tmp_path):
    """A real `dbt seed` of one seed through mdw-dbt with the run's profile environment: the seed's
    event carries its row count and its columns' DuckDB types, read from the warehouse once dbt has
    exited; nothing holds the file afterwards (the next step opens it with its own settings, which
    DuckDB refuses while another connection of this process holds it). The parse state dbt left
    becomes the project's, so the next dbt step need not parse the project again."""
    warehouse = DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb"), memory_limit="1GB", threads=1)
    dbt = WarehouseDbt(project_dir=dbt_project, profiles_dir=str(dbt_project.profiles_dir),
                       dbt_executable=dbt_executable())
    # without a run's context dagster-dbt has no DbtProject for code references: leave them out here
    plain = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
    with _profile_points_at(warehouse):
        invocation = dbt.cli(["seed", "--select", "channel_map"], manifest=dbt_project.manifest_path,
                             dagster_dbt_translator=plain)
        [event] = list(with_table_metadata(invocation, warehouse))
        keep_partial_parse(invocation)
    assert event.asset_key == dg.AssetKey(["channel_map"])
    with warehouse.connect() as con:  # fails while a connection of this process still holds the file
        rows = con.execute("select count(*) from main.channel_map").fetchone()[0]
    assert event.metadata["dagster/row_count"] == dg.IntMetadataValue(rows) and rows > 0
    columns = event.metadata["dagster/column_schema"].schema.columns
    assert [(c.name, c.type) for c in columns] == [("source_type", "VARCHAR"), ("source_value", "VARCHAR"),
                                                   ("reporting_channel", "VARCHAR")]
    assert all(c.description for c in columns)  # the seed's YAML describes every column
    kept = Path(dbt_project.project_dir) / "target" / "partial_parse.msgpack"
    assert kept.read_bytes() == (Path(invocation.target_path) / "partial_parse.msgpack").read_bytes()
    assert translator.settings.enable_code_references  # the code location's translator keeps them


def test_described_relations_count_tables_not_views_and_skip_what_is_missing(con):
    con.execute("create schema marts")
    con.execute("create table marts.t as select 1 as a, 'x' as b union all select 2, 'y'")
    con.execute("create view marts.v as select a from marts.t")
    assert describe_relations(con, [("marts", "t"), ("marts", "v"), ("marts", "gone")]) == {
        ("marts", "t"): (2, [("a", "INTEGER"), ("b", "VARCHAR")]),
        ("marts", "v"): (None, [("a", "INTEGER")]),
    }
    assert describe_relations(con, []) == {}


# ---- personal data in previews ----

EMAIL, PHONE, HANDLE = "xiaoqing.ouyang@example.cn", "13912345678", "ouyang_xq_wx"
RAW_PERSONAL = [EMAIL, PHONE, HANDLE, "Xiaoqing", "Ouyang", "1987-03-14", "xiaoqing.ouyang@"]


def _landing_with_personal_data(landing: Path) -> None:
    day = "2026-01-01"
    write(landing, f"crm/{day}/contacts.csv",
          "contact_id,email,phone,first_name,last_name,gender,birth_date,city,province,country,social_platform,"
          "social_handle,lead_source,referrer_contact_id,marketing_consent,consent_updated_at,created_at,updated_at\n"
          f"C1,{EMAIL},{PHONE},Xiaoqing,Ouyang,F,1987-03-14,Shanghai,Shanghai,CN,wechat,{HANDLE},store,,Y,"
          f"{day} 08:00:00,{day} 08:00:00,{day} 08:00:00\n")
    write(landing, f"crm/{day}/campaign_activity.csv",
          f"activity_id,campaign_id,contact_id,email,phone,activity_type,occurred_at\n"
          f"A1,CMP1,C1,{EMAIL},+86 139-1234-5678,sent,{day} 10:00:00\n")
    write(landing, f"orders/{day}/orders.jsonl", json.dumps({
        "order_id": "O1", "ordered_at": f"{day} 10:00:00", "updated_at": f"{day} 10:00:00", "status": "paid",
        "channel": "web", "currency": "CNY", "customer": {"crm_contact_id": "C1", "email": EMAIL, "phone": PHONE},
        "items": [{"sku": "S1", "product_name": "P", "category": "snacks", "brand": "B", "brand_tier": "store",
                   "quantity": 1, "unit_price": 10.0}], "discount": 0, "shipping": 0, "total": "10.00"}) + "\n")
    write(landing, f"social/{day}/engagements.jsonl", json.dumps({
        "event_id": "E1", "platform": "wechat", "event_type": "comment", "occurred_at": f"{day} 11:00:00",
        "post_id": "P1", "text": f"write to me at {EMAIL} or call {PHONE}",
        "user": {"handle": HANDLE, "display_name": "Xiaoqing Ouyang", "followers": 12, "email": EMAIL,
                 "phone": PHONE}}) + "\n")
    write(landing, f"survey/{day}/responses.csv",
          "response_id,survey_id,submitted_at,contact_id,email,phone,nps,csat,comment\n"
          f"R1,S1,{day} 12:00:00,C1,{EMAIL},{PHONE},9,5,call me back on {PHONE}\n")


def _metadata_text(value) -> str:
    inner = getattr(value, "value", value)
    return inner if isinstance(inner, str) else json.dumps(inner, default=str)


def test_ingestion_previews_show_no_raw_email_phone_name_or_birth_date(tmp_path):
    from dagster_project.assets.ingestion import ingestion_assets

    _landing_with_personal_data(tmp_path / "landing")
    result = dg.materialize(ingestion_assets, partition_key="2026-01-01", resources={
        "warehouse": DuckDBWarehouse(path=str(tmp_path / "warehouse.duckdb")),
        "landing": LandingZone(path=str(tmp_path / "landing"))})
    assert result.success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:  # the raw rows keep them
        assert con.execute("select email, phone from raw.crm_contacts").fetchone() == (EMAIL, PHONE)
    shown = {e.asset_key.path[-1]: " ".join(_metadata_text(v) for v in
                                            e.step_materialization_data.materialization.metadata.values())
             for e in result.get_asset_materialization_events()}
    shown["checks"] = " ".join(_metadata_text(v) for c in result.get_asset_check_evaluations()
                               for v in c.metadata.values())
    leaks = {(asset, raw) for asset, text in shown.items() for raw in RAW_PERSONAL if raw in text}
    assert leaks == set()
    # the previews are there, masked
    assert "x***@example.cn" in shown["crm_contacts"] and "139****5678" in shown["crm_contacts"]
    assert "1987-**-**" in shown["crm_contacts"] and "X***" in shown["crm_contacts"]
    assert "139****5678" in shown["survey_responses"] and "x***@example.cn" in shown["social_engagements"]
    assert "139****5678" in shown["orders"] and "o***" in shown["social_engagements"]
