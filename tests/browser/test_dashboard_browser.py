"""The marketers' dashboard in a real browser: `mdw dashboard` on the published demo's serving file,
every page opened in headless Chromium, one key figure per page checked against the same figure
queried from the serving file here (plain SQL, not mdw/dashboard/queries.py), the customer lookup
tried with a real email, no exception drawn, and no request to any host but this machine.

Screenshots of every page go to test-artifacts/dashboard/; the overview's render time in the
browser (navigation start to its customer count drawn) is printed and recorded as a property."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import settings_env, settings_under
from tests.servers import foreign_requests, free_port, log_tail, mdw_server, wait_for_http

pytestmark = pytest.mark.e2e

# (title in the sidebar, URL path) as the app's st.navigation names them; the default page is "/".
PAGES = [
    ("Overview", ""),
    ("Segments", "segments"),
    ("Value and risk", "value-and-risk"),
    ("Channels", "channels"),
    ("Campaigns and audiences", "campaigns"),
    ("Satisfaction", "satisfaction"),
    ("Customer lookup", "customer-lookup"),
]
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 90_000  # a page's first run on this 2-core machine under load; usually 1-3 s

# The script is done and nothing is shown stale (Streamlit's own e2e tests wait on this attribute).
SCRIPT_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app !== null && app.getAttribute('data-test-script-state') === 'notRunning'
        && document.querySelector('[data-testid="stStatusWidget"]') === null;
}"""

# Rows of an st.dataframe as the grid's accessible table holds them (the cells drawn on screen):
# {"count": rows in the frame, "rows": [{column: text}]}.
GRID = """element => {
    const table = element.querySelector('table[role="grid"]');
    const heads = {};
    for (const th of table.querySelectorAll('thead th')) heads[th.getAttribute('aria-colindex')] = th.textContent;
    const rows = [...table.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
        [...tr.querySelectorAll('td')].map(td => [heads[td.getAttribute('aria-colindex')], td.textContent])));
    return {count: Number(table.getAttribute('aria-rowcount')) - 1, rows: rows};
}"""


# ---- figures straight from the serving file ----

def _expected(serving: Path) -> dict[str, Any]:
    with duckdb.connect(str(serving), read_only=True) as con:
        def one(sql: str) -> Any:
            return con.execute(sql).fetchone()

        def pairs(sql: str) -> dict:
            return {str(key): value for key, value in con.execute(sql).fetchall()}

        checks, checks_passed = one("""
            select count(*), count(*) filter (where cast(json_extract(result, '$.passed') as boolean))
            from (select unnest(cast(check_results as json[])) as result from _publish.run)""")
        respondents, nps = one("""
            select count(*), round(100.0 * (count(*) filter (where nps_class = 'promoter')
                - count(*) filter (where nps_class = 'detractor')) / nullif(count(*), 0), 1)
            from mart_customer_satisfaction where latest_nps_score is not null""")
        newest_campaign = one("""
            select campaign_id, campaign_name from mart_campaign_performance
            order by start_date desc, campaign_id limit 1""")
        customer_key, email = one("""
            select customer_key, email from mart_customer_profile
            where email is not null
            qualify count(*) over (partition by email) = 1
            order by order_count desc nulls last, customer_key
            limit 1""")
        return {
            "customers": one("select count(*) from mart_customer_profile")[0],
            "checks": checks, "checks_passed": checks_passed,
            "rfm": pairs("select rfm_segment, count(*) from mart_customer_rfm group by rfm_segment"),
            "without_prediction": one("select count(*) from mart_customer_value where expected_revenue_cny is null")[0],
            "new_customers": pairs("""select reporting_channel, sum(new_customers) from mart_channel_acquisition
                                      group by reporting_channel"""),
            "sent": pairs("select campaign_id, sent_count from mart_campaign_performance"),
            "newest_campaign": newest_campaign,
            "respondents": respondents,
            "nps": nps,
            "customer_key": customer_key, "email": email,
        }


def _masked_email(email: str) -> str:
    """How the dashboard masks an address: its first character, stars, the domain."""
    local, domain = email.split("@", 1)
    return f"{local[0]}***@{domain}"


def _count(text: str) -> int:
    return int(text.replace(",", ""))


# ---- the browser ----

def _open(page, base: str, path: str, title: str) -> None:
    page.goto(f"{base}/{path}")
    page.get_by_role("heading", name=title, level=1).wait_for()
    page.wait_for_function(SCRIPT_DONE)


def _main_text(page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def _metric(page, label: str) -> str:
    """The value of the st.metric with this label."""
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_test_id("stMetricLabel").get_by_text(
        label, exact=True))
    return metric.get_by_test_id("stMetricValue").inner_text().strip()


def _grid(page, index: int = 0) -> dict:
    frame = page.get_by_test_id("stDataFrame").nth(index)
    frame.locator('table[role="grid"] tbody tr').first.wait_for(state="attached")
    return frame.evaluate(GRID)


def _assert_page_is_clean(page, title: str) -> None:
    exceptions = page.get_by_test_id("stException")
    assert exceptions.count() == 0, f"{title}: {exceptions.first.inner_text()}"
    text = _main_text(page)
    for sign in ("Traceback", "could not answer this page", "No serving file"):
        assert sign not in text, f"{title} shows {sign!r}:\n{text[:2000]}"


def _screenshot(page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside stMain, so the window is made as tall as its content
    (full_page would stop at the window's height)."""
    height = page.get_by_test_id("stMain").evaluate("main => main.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(height, VIEWPORT["height"]), 8000)})
    page.wait_for_function(SCRIPT_DONE)
    page.wait_for_timeout(300)  # charts redraw at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)


def _overview_render_ms(page, base: str, customers: int) -> float:
    """Milliseconds from navigation start until the Customers figure is drawn with its value."""
    page.goto(base + "/", wait_until="commit")
    handle = page.wait_for_function("""expected => {
        for (const metric of document.querySelectorAll('[data-testid="stMetric"]')) {
            const label = metric.querySelector('[data-testid="stMetricLabel"]');
            const value = metric.querySelector('[data-testid="stMetricValue"]');
            if (label && value && label.innerText.trim() === 'Customers' && value.innerText.trim() === expected)
                return performance.now();
        }
        return null;
    }""", arg=f"{customers:,}", polling="raf")
    return float(handle.json_value())


def _check_page(page, title: str, expected: dict[str, Any]) -> None:
    """One key figure of the page against the serving file."""
    if title == "Overview":
        assert _count(_metric(page, "Customers")) == expected["customers"]
        assert _metric(page, "Checks passed") == f"{expected['checks_passed']:,} of {expected['checks']:,}"
    elif title == "Segments":
        grid = _grid(page, 0)  # the RFM segments' table, below their chart
        assert grid["count"] == len(expected["rfm"]), grid
        assert grid["rows"], "the RFM table drew no row"
        for row in grid["rows"]:
            assert _count(row["customers"]) == expected["rfm"][row["rfm_segment"]], row
        bars = page.get_by_test_id("stVegaLiteChart").first.locator("[aria-label*='rfm_segment: ']")
        assert bars.count() > 0, "the RFM chart drew no bar"
    elif title == "Value and risk":
        match = re.search(r"([\d,]+) customers without a prediction", _main_text(page))
        assert match, "no count of customers without a prediction"
        assert _count(match.group(1)) == expected["without_prediction"]
    elif title == "Channels":
        grid = _grid(page, 0)  # acquisition cost against value, per reporting channel
        assert grid["count"] == len(expected["new_customers"]), grid
        for row in grid["rows"]:
            assert _count(row["new_customers"]) == expected["new_customers"][row["reporting_channel"]], row
    elif title == "Campaigns and audiences":
        campaign_id, campaign_name = expected["newest_campaign"]
        chosen = page.get_by_role("combobox", name="Campaign", exact=True).input_value()
        assert chosen == f"{campaign_id} · {campaign_name}"  # the newest campaign's funnel first
        grid = _grid(page, 0)  # every campaign's funnel
        assert grid["count"] == len(expected["sent"]), grid
        for row in grid["rows"]:
            assert _count(row["sent"]) == expected["sent"][row["campaign_id"]], row
    elif title == "Satisfaction":
        assert _count(_metric(page, "Respondents")) == expected["respondents"]
        assert _metric(page, "NPS") == f"{expected['nps']:+.1f}"


def _look_up(page, expected: dict[str, Any]) -> None:
    """Search a customer by email (typed upper-cased, with spaces: the search normalises it); the
    card shows the key, and the email only masked."""
    key, email = expected["customer_key"], expected["email"]
    search = page.get_by_label("Customer key, email or phone")
    search.fill(f"  {email.upper()} ")
    search.press("Enter")
    page.get_by_role("heading", name=f"Customer {key}").wait_for()
    page.wait_for_function(SCRIPT_DONE)
    matches = _grid(page, 0)
    assert [row["customer_key"] for row in matches["rows"]] == [key], matches
    assert matches["rows"][0]["email"] == _masked_email(email), matches
    cells = page.locator('[data-testid="stMain"] table[role="grid"] td').all_text_contents()
    shown = _main_text(page) + "\n" + "\n".join(cells)
    assert email not in shown.lower(), "the unmasked email is on the page"
    assert _masked_email(email) in cells, "the profile does not show the masked email"


def test_every_dashboard_page_renders_the_served_figures_in_a_browser(browser, published_demo, artifacts,
                                                                      tmp_path, record_property):
    # `browser` first: without Chromium the test is skipped before the whole refresh runs
    root, result = published_demo
    assert result.success
    serving = root / "marts.duckdb"
    before = serving.stat()
    expected = _expected(serving)
    shots = artifacts("dashboard")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "dashboard.log"
    requests: list[str] = []
    failed: list[str] = []
    errors: list[str] = []

    with mdw_server(["dashboard", "--port", str(port)], settings_env(settings_under(root)), log) as server:
        started = wait_for_http(f"{base}/_stcore/health", server, log, expect="ok")
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("request", lambda request: requests.append(request.url))
        context.on("requestfailed", lambda request: failed.append(f"{request.url} ({request.failure})"))
        context.on("response", lambda response: response.status >= 400 and errors.append(
            f"{response.status} {response.url}"))
        try:
            page = context.new_page()
            page.on("websocket", lambda socket: requests.append(socket.url))
            cold_ms = _overview_render_ms(page, base, expected["customers"])  # the server's first session
            warm_ms = _overview_render_ms(page, base, expected["customers"])
            names = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
            assert [name.strip() for name in names] == [title for title, _ in PAGES]
            for title, path in PAGES:
                _open(page, base, path, title)
                _assert_page_is_clean(page, title)
                if title == "Customer lookup":
                    _look_up(page, expected)
                    _assert_page_is_clean(page, title)
                else:
                    _check_page(page, title, expected)
                _screenshot(page, shots / f"{path or 'overview'}.png")
        finally:
            context.close()
        assert server.poll() is None, log_tail(log)

    offenders = foreign_requests(requests)
    assert not offenders, "requests to hosts other than this machine:\n" + "\n".join(offenders)
    assert serving.stat().st_mtime_ns == before.st_mtime_ns and serving.stat().st_size == before.st_size
    record_property("overview_render_ms_first_visit", round(cold_ms))
    record_property("overview_render_ms", round(warm_ms))
    print(f"\ndashboard: ready in {started:.1f}s; overview rendered in {cold_ms:.0f} ms on the first visit, "
          f"{warm_ms:.0f} ms on the next (navigation start to the Customers figure drawn); "
          f"{len(requests)} requests, all to 127.0.0.1; failed: {[f for f in failed if 'ERR_ABORTED' not in f] or 'none'} "
          f"(and {sum('ERR_ABORTED' in f for f in failed)} scripts aborted by leaving a page early); "
          f"answered 4xx/5xx: {sorted(set(errors)) or 'none'}; screenshots in {shots}")
