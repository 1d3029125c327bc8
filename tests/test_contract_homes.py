"""Each rule has one home, and the homes that must agree do: the dbt sources are the landing
contract's raw tables and the tables fitted in Python, the quality suites guard those tables, and the demo generator delivers only
values the dbt vocabularies (dbt_project.yml vars) accept."""

import json

import yaml

from dagster_project.assets.fitted import FITTED_TABLES
from dagster_project.dbt_project import dbt_project
from dagster_project.ingest.contract import FEEDS
from expectations.suites import SUITES
from mdw.demo import vocab

RAW_TABLES = {(ff.source, table.name) for feed_files in FEEDS.values() for ff in feed_files for table in ff.tables}


def test_dbt_sources_are_the_contracts_raw_tables_and_the_tables_fitted_in_python():
    manifest = json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))
    raw = {(s["source_name"], s["name"]) for s in manifest["sources"].values() if s["schema"] == "raw"}
    # besides the feeds, the loader's manifest: incremental staging reads which files changed
    assert raw == RAW_TABLES | {("loader", "load_manifest")}
    others = {(s["source_name"], s["schema"], s["name"]) for s in manifest["sources"].values() if s["schema"] != "raw"}
    assert others == {(table.source, table.schema, table.name) for table in FITTED_TABLES}


def test_every_feed_files_raw_table_has_a_suite():
    guarded = {s.table for s in SUITES if s.asset_key[0] == "raw"}
    assert guarded == {f"raw.{ff.table.name}" for feed_files in FEEDS.values() for ff in feed_files}


def test_the_demo_delivers_only_accepted_values():
    dbt_vars = yaml.safe_load((dbt_project.project_dir / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    assert set(vocab.ORDER_CHANNELS) <= set(dbt_vars["order_channels"])
    assert set(vocab.SOCIAL_PLATFORMS_CN + vocab.SOCIAL_PLATFORMS_INTL) <= set(dbt_vars["social_platforms"])
    assert set(vocab.SOCIAL_EVENT_TYPES) <= set(dbt_vars["social_event_types"])
    assert set(FEEDS) == set(dbt_vars["source_systems"])
