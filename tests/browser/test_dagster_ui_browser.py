"""The Dagster UI in a real browser: `mdw ui` on a copy of the published demo (landing, warehouse,
serving file, exports and the Dagster home of its run), opened in headless Chromium.

The published run went through a test instance whose storage is Dagster's default layout under
DAGSTER_HOME (SQLite run, event-log and schedule storage in history/ and schedules/). `mdw ui`
reads that same storage once the copy's dagster.yaml is removed and `mdw` writes its own (queued
runs, telemetry off), so the UI shows that run's materialisations: dim_customers' column types
come from its `dagster/column_schema` metadata (DuckDB's type names, e.g. `VARCHAR`),
not from the definition's (dbt's YAML: `string`).

Checked: the global asset lineage shows every layer's group; dim_customers' page shows the column
types and the row count of its materialisation; a seed materialised from its page's Materialize
button for the newest partition ("Latest") runs to success. Screenshots of the graph and of
dim_customers go to test-artifacts/dagster_ui/."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import time

import duckdb
import pytest

from dagster_project.partitions import delivery_days
from tests.conftest import settings_env, settings_under
from tests.servers import foreign_requests, free_port, graphql, log_tail, mdw_server, wait_until_loaded

pytestmark = pytest.mark.e2e

GROUPS = ["raw", "staging", "core", "segments", "channels", "audiences", "serving"]
SEED = "value_weights"  # eight rows: the cheapest asset to materialise
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}
VIEWPORT = {"width": 1600, "height": 1000}
TIMEOUT_MS = 90_000

LATEST_MATERIALIZATION = """
query($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset { assetMaterializations(limit: 1) { runId partition metadataEntries {
        label
        ... on TableSchemaMetadataEntry { schema { columns { name type } } }
        ... on IntMetadataEntry { intValue } } } }
  }
}"""

RUN = """
query($runId: ID!) {
  runOrError(runId: $runId) {
    ... on Run { runId status jobName assetSelection { path } tags { key value } }
  }
}"""

# Rows of a table in the page: the header texts and each row's cell texts.
TABLE = """table => ({
    heads: [...table.querySelectorAll('thead th, thead td')].map(cell => cell.innerText.trim()),
    rows: [...table.querySelectorAll('tbody tr')].map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim())),
})"""


def _latest_materialization(port: int, path: list[str]) -> dict:
    asset = graphql(port, LATEST_MATERIALIZATION, {"path": path})["assetOrError"]
    assert asset.get("assetMaterializations"), f"{path} has no materialisation in the UI's instance"
    event = asset["assetMaterializations"][0]
    return {**event, "metadata": {entry["label"]: entry for entry in event["metadataEntries"]}}


def _wait_for_run(port: int, run_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = graphql(port, RUN, {"runId": run_id})["runOrError"]
        if run.get("status") in TERMINAL:
            return run
        time.sleep(3)
    raise AssertionError(f"run {run_id} did not finish in {timeout:.0f}s")


def _show_groups(page, base: str) -> list[str]:
    """Open the global asset lineage; the group names its graph draws once every group is there."""
    page.goto(f"{base}/asset-groups")
    nodes = page.locator("svg foreignObject")
    nodes.first.wait_for()
    _skip_community_pop_up(page)
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        shown = [text.strip() for text in nodes.evaluate_all("nodes => nodes.map(node => node.textContent)")]
        if all(any(text.startswith(group) for text in shown) for group in GROUPS) or time.monotonic() > deadline:
            return shown
        time.sleep(0.5)


def _skip_community_pop_up(page, seconds: float = 10) -> None:
    """The first visit's "Join the Dagster community" pop-up, before a screenshot (a screenshot is
    no action, so the page's locator handler would leave it on the picture)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    skip = page.get_by_role("button", name="Skip")
    deadline = time.monotonic() + seconds
    while not skip.is_visible():
        if time.monotonic() > deadline:
            return
        page.wait_for_timeout(250)
    with contextlib.suppress(PlaywrightTimeout):  # the locator handler may click it first
        skip.click(timeout=5000)
    skip.wait_for(state="hidden")


def _columns_table(page) -> dict[str, str]:
    """dim_customers' Columns section: column name -> type as the page shows them."""
    table = page.locator("table").filter(has=page.locator("thead", has_text="Column name"))
    table.locator("tbody tr").first.wait_for()
    content = table.evaluate(TABLE)
    name, kind = content["heads"].index("Column name"), content["heads"].index("Type")
    return {row[name]: row[kind] for row in content["rows"] if len(row) > max(name, kind)}


def _launch_latest_partition(page, base: str) -> str:
    """Materialize button on the seed's page, "Latest" partition, launch; the new run's id."""
    page.goto(f"{base}/assets/{SEED}")
    page.get_by_role("button", name="Materialize…").first.click()  # "…": partitioned, it asks which
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Latest", exact=True).click()
    dialog.get_by_text("1 partition", exact=True).wait_for()
    launch = dialog.get_by_role("button", name=re.compile(r"^Launch"))
    with page.expect_response(lambda response: "/graphql" in response.url and
                              "LaunchPipelineExecution" in (response.request.post_data or "")) as launched:
        launch.click()
    answer = launched.value.json()["data"]["launchPipelineExecution"]
    assert answer.get("__typename") == "LaunchRunSuccess", answer
    return answer["run"]["id"]


def test_the_dagster_ui_shows_lineage_column_types_and_materialises_from_the_browser(
        browser, published_demo, artifacts, tmp_path_factory, record_property):
    # `browser` first: without Chromium the test is skipped before the whole refresh runs
    source, result = published_demo
    assert result.success
    root = tmp_path_factory.mktemp("ui_copy")
    shutil.copytree(source, root, dirs_exist_ok=True)
    (root / "dagster_home" / "dagster.yaml").unlink()  # the test instance's; `mdw ui` writes the project's
    settings = settings_under(root)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        dim_customers_rows = con.execute("select count(*) from core.dim_customers").fetchone()[0]
    newest = delivery_days.get_last_partition_key()  # what the dialog's "Latest" picks
    shots = artifacts("dagster_ui")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = root / "ui.log"
    requests: list[str] = []
    started = time.monotonic()

    with mdw_server(["ui", "--port", str(port)], settings_env(settings), log) as server:
        loaded = wait_until_loaded(port, server, log)
        published = _latest_materialization(port, ["core", "dim_customers"])
        assert published["runId"] == result.run_id  # the UI reads the published run's storage
        schema = {c["name"]: c["type"] for c in published["metadata"]["dagster/column_schema"]["schema"]["columns"]}

        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requests.append(request.url))
        try:
            page = context.new_page()
            # the first visit's "Join the Dagster community" pop-up, whenever it shows
            page.add_locator_handler(page.get_by_role("button", name="Skip"), lambda skip: skip.click())

            shown = _show_groups(page, base)
            missing = [g for g in GROUPS if not any(text.startswith(g) for text in shown)]
            assert not missing, f"groups not in the asset graph: {missing} (shown: {shown})"
            page.screenshot(path=str(shots / "asset-graph.png"))

            page.goto(f"{base}/assets/core/dim_customers")
            columns = _columns_table(page)
            assert columns == schema  # every column, with the materialisation's type
            assert re.fullmatch(r"VARCHAR", columns["customer_key"]), columns
            assert columns["birth_date"] == "DATE"
            row_count = re.search(r"Row count\s+([\d,]+)", page.locator("body").inner_text())
            assert row_count, "no row count on dim_customers' page"
            assert int(row_count.group(1).replace(",", "")) == dim_customers_rows
            assert published["metadata"]["dagster/row_count"]["intValue"] == dim_customers_rows
            page.set_viewport_size({"width": VIEWPORT["width"], "height": 2200})  # the page scrolls inside
            page.screenshot(path=str(shots / "dim_customers.png"))
            page.set_viewport_size(VIEWPORT)

            run_id = _launch_latest_partition(page, base)
            run = _wait_for_run(port, run_id)
            seed_event = _latest_materialization(port, [SEED]) if run["status"] == "SUCCESS" else {}
        finally:
            context.close()

    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "SUCCESS", f"{json.dumps(run)}\n{log_tail(log)}"
    assert run["assetSelection"] == [{"path": [SEED]}]
    assert tags["dagster/partition"] == newest
    assert tags.get("dagster/from_ui") == "true"
    assert (seed_event["runId"], seed_event["partition"]) == (run_id, newest)
    others = foreign_requests(requests)
    record_property("ui_loaded_s", round(loaded, 1))
    print(f"\ndagster ui: code location loaded in {loaded:.0f}s; {SEED} materialised for {newest} by run {run_id}; "
          f"{len(requests)} requests, to other hosts: {others or 'none'}; whole test "
          f"{time.monotonic() - started:.0f}s; screenshots in {shots}")
