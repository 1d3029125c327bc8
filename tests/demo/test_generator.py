"""The demo generator: deterministic, on contract, messy in every way the contract names."""

import contextlib
import csv
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.contract import FEEDS
from mdw.demo import vocab
from mdw.demo.generator import generate
from mdw.demo.writers import FX_TO_CNY as FX
from tests.conftest import SMALL


def _digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _json_lines(landing: Path, pattern: str) -> list[dict]:
    rows = []
    for path in sorted(landing.glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):  # the deliberately broken lines
                rows.append(json.loads(line))
    return rows


def _csv_rows(landing: Path, pattern: str) -> list[dict]:
    rows = []
    for path in sorted(landing.glob(pattern)):
        with open(path, encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, small_landing):
    args = {**SMALL, "days": 10}
    generate(tmp_path / "a" / "landing", progress=False, **args)
    generate(tmp_path / "b" / "landing", progress=False, **args)
    generate(tmp_path / "c" / "landing", progress=False, **{**args, "seed": args["seed"] + 1})
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c
    assert any(k.startswith("landing/orders/") for k in a)


def test_files_follow_the_landing_contract(small_landing):
    days = {p.name for p in small_landing.glob("*/*")}
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in days)
    for feed_files in FEEDS.values():
        for ff in feed_files:
            files = sorted(small_landing.glob(f"{ff.source}/*/{ff.filename}"))
            assert files, ff.filename
            if ff.fmt == "csv":
                header = files[0].read_text(encoding="utf-8").split("\n", 1)[0].split(",")
                assert header == [f.name for f in ff.table.fields]
    order = _json_lines(small_landing, "orders/*/orders.jsonl")[0]
    assert {"order_id", "ordered_at", "customer", "items", "total"} <= order.keys()
    assert set(order["customer"]) == {"crm_contact_id", "email", "phone"}
    assert {"sku", "category", "brand_tier", "quantity", "unit_price"} <= order["items"][0].keys()
    event = _json_lines(small_landing, "social/*/engagements.jsonl")[0]
    assert {"handle", "display_name", "followers", "email", "phone"} == set(event["user"])


def test_identifiers_are_messy_like_real_exports(small_landing):
    contacts = _csv_rows(small_landing, "crm/*/contacts.csv")
    orders = _json_lines(small_landing, "orders/*/orders.jsonl")
    emails = [c["email"] for c in contacts if c["email"]] + [o["customer"]["email"] for o in orders
                                                            if o["customer"]["email"]]
    phones = [c["phone"] for c in contacts if c["phone"]] + [o["customer"]["phone"] for o in orders
                                                            if o["customer"]["phone"]]
    assert any(e != e.strip() for e in emails), "stray spaces"
    assert any(e.strip() != e.strip().lower() for e in emails), "mixed case"
    for pattern in (r"\+86 1\d{2} \d{4} \d{4}", r"1\d{10}", r"0086-1\d{2}-\d{4}-\d{4}", r"\(1\d{2}\) \d{4}-\d{4}"):
        assert any(re.fullmatch(pattern, p) for p in phones), pattern
    assert any(re.search(r"[\u4e00-\u9fff]", c["last_name"]) for c in contacts), "Chinese names"
    assert any(re.fullmatch(r"[A-Za-z]+", c["last_name"]) for c in contacts), "Latin names"
    assert {c["marketing_consent"] for c in contacts} >= {"true", "yes", "1", "Y", "false", "no", "0", "N"}
    guests = [o for o in orders if o["customer"]["crm_contact_id"] is None]
    assert any(o["customer"]["phone"] and not o["customer"]["email"] for o in guests), "phone-only guest"
    assert "test@test.com" in {o["customer"]["email"] for o in orders} | {
        r["email"] for r in _csv_rows(small_landing, "survey/*/responses.csv")}
    assert "13800000000" in {o["customer"]["phone"] for o in orders}
    counter = [o for o in orders if (o["customer"]["phone"] or "").startswith("+86 21 6288")]
    assert len({o["customer"]["phone"] for o in counter}) >= 1 and len(counter) > 10, "shop-counter phones"


def test_records_change_and_arrive_late(small_landing):
    contacts = _csv_rows(small_landing, "crm/*/contacts.csv")
    versions: dict[str, list[dict]] = {}
    for c in contacts:
        versions.setdefault(c["contact_id"], []).append(c)
    changed = [v for v in versions.values() if len(v) > 1]
    assert any(v[0]["city"] != v[-1]["city"] for v in changed), "moved city"
    assert any(v[0]["marketing_consent"].lower() in ("true", "yes", "1", "y")
               and v[-1]["marketing_consent"].lower() in ("false", "no", "0", "n") for v in changed), "consent withdrawn"
    statuses: dict[str, set[str]] = {}
    late = 0
    for path in sorted(small_landing.glob("orders/*/orders.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                o = json.loads(line)
            except json.JSONDecodeError:
                continue
            statuses.setdefault(o["order_id"], set()).add(o["status"])
            ordered_day = (o["ordered_at"] or "")[:10]
            if o["status"] == "paid" and ordered_day < path.parent.name and not o["ordered_at"].endswith("Z"):
                late += 1
    assert any({"paid", "refunded"} <= s for s in statuses.values())
    assert any({"paid", "cancelled"} <= s for s in statuses.values())
    assert late > 0, "late-arriving orders"


def test_customers_behave_like_customers(small_landing):
    orders = _json_lines(small_landing, "orders/*/orders.jsonl")
    tiers = {i["brand_tier"] for o in orders for i in o["items"]}
    assert tiers == {"national", "store"}
    assert any(o["campaign_id"] for o in orders), "campaign-attributed orders"
    contacts = _csv_rows(small_landing, "crm/*/contacts.csv")
    assert any(c["referrer_contact_id"] for c in contacts), "referrals"


def test_malformed_rows_of_every_kind_are_logged(small_landing):
    with open(small_landing.parent / "ground_truth" / "malformed.csv", encoding="utf-8") as fh:
        log = list(csv.DictReader(fh))
    kinds = {r["kind"] for r in log}
    assert kinds == {"unparseable_timestamp", "missing_required_id", "wrong_field_count", "non_numeric_amount",
                     "broken_json"}
    for r in log:  # the logged line really is broken in the file
        line = (small_landing / r["file"]).read_text(encoding="utf-8").split("\n")[int(r["line"]) - 1]
        if r["kind"] == "broken_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line)
        elif r["kind"] == "wrong_field_count":
            header = (small_landing / r["file"]).read_text(encoding="utf-8").split("\n")[0]
            assert len(next(csv.reader([line]))) != len(header.split(","))


def test_malformed_rows_are_in_proportion_to_each_feed(tmp_path):
    """A tiny demo (the issue's `--scale 0.01 --days 20`) breaks few rows of each small feed: none
    or one, not a fixed minimum that puts a 20-row survey feed over any quarantine limit."""
    summary = generate(tmp_path / "landing", start_date=date(2026, 1, 1), days=20, scale=0.01, seed=11,
                       progress=False)
    with open(tmp_path / "ground_truth" / "malformed.csv", encoding="utf-8") as fh:
        per_kind = {}
        for r in csv.DictReader(fh):
            kind = f"{r['source']}/{r['file'].rsplit('/', 1)[1]}"
            per_kind[kind] = per_kind.get(kind, 0) + 1
    assert summary.rows["survey/responses.csv"] < 50 and per_kind.get("survey/responses.csv", 0) <= 1
    for kind, rows in summary.rows.items():
        assert per_kind.get(kind, 0) <= max(1, 0.01 * rows), kind


def test_ground_truth_covers_every_record(small_landing):
    truth = small_landing.parent / "ground_truth" / "identity.parquet"
    con = duckdb.connect()
    gt = con.execute(f"select source, \"table\", record_id, person_id from '{truth}'").df()
    assert not gt.duplicated(["source", "table", "record_id"]).any()
    ids = set(zip(gt["source"], gt["table"], gt["record_id"], strict=True))
    orders = {o["order_id"] for o in _json_lines(small_landing, "orders/*/orders.jsonl") if o["order_id"]}
    assert all(("orders", "orders", o) in ids for o in orders)
    contacts = {c["contact_id"] for c in _csv_rows(small_landing, "crm/*/contacts.csv") if c["contact_id"]}
    assert all(("crm", "contacts", c) in ids for c in contacts)
    responses = {r["response_id"] for r in _csv_rows(small_landing, "survey/*/responses.csv") if r["response_id"]}
    assert all(("survey", "responses", r) in ids for r in responses)
    # the same person shows up in several sources under different records
    per_person = gt.groupby("person_id")["source"].nunique()
    assert (per_person >= 3).sum() > 10


@pytest.mark.parametrize("bad", [{"days": 0}, {"scale": 0}])
def test_rejects_nonsense_sizes(tmp_path, bad):
    with pytest.raises(ValueError):
        generate(tmp_path / "landing", progress=False, **{**SMALL, **bad})


# --------------------------------------------------------------------------------------------
# Channel economics and attribution: a year, so every campaign channel and both peaks occur
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def year_landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("year")
    generate(root / "landing", start_date=date(2025, 1, 1), days=365, scale=0.02, seed=11, progress=False)
    return root / "landing"


def _order_ids_in_files(landing: Path) -> set[str]:
    """Order ids as the landing files hold them, read from the text so broken lines count too."""
    return {m for p in landing.glob("orders/*/orders.jsonl")
            for m in re.findall(r'"order_id":"(ORD\d{10})"', p.read_text(encoding="utf-8"))}


def test_channel_lift_truth_adds_up(year_landing):
    truth = year_landing.parent / "ground_truth"
    lift = _csv_rows(truth, "channel_lift.csv")
    caused = _csv_rows(truth, "caused_orders.csv")
    assert [r["channel"] for r in lift] == sorted(vocab.CAMPAIGN_CHANNELS)
    assert sum(float(r["caused_share"]) for r in lift) == pytest.approx(1, abs=1e-4)
    lifted = [r for r in lift if float(r["lift_per_exposure"]) > 0 and int(r["exposures"]) > 0]
    assert len(lifted) >= 3, "exposures on several channels"
    assert all(int(r["caused_orders"]) > 0 for r in lifted)
    assert all(int(r["caused_orders"]) == 0 for r in lift if float(r["lift_per_exposure"]) == 0)
    for r in lift:  # the counts are those of caused_orders.csv
        assert int(r["caused_orders"]) == sum(c["channel"] == r["channel"] for c in caused)
        assert float(r["caused_share"]) == pytest.approx(int(r["caused_orders"]) / len(caused), abs=1e-5)
    # caused orders are a visible minority of all orders
    assert 0.03 < len(caused) / len(_order_ids_in_files(year_landing)) < 0.2


def test_caused_orders_landed_after_an_exposure(year_landing):
    truth = year_landing.parent / "ground_truth"
    caused = _csv_rows(truth, "caused_orders.csv")
    landed = _order_ids_in_files(year_landing)
    malformed_ids = sum(1 for r in _csv_rows(truth, "malformed.csv")
                        if r["file"].startswith("orders/") and r["kind"] == "missing_required_id")
    assert caused and len({c["order_id"] for c in caused} - landed) <= malformed_ids
    campaigns = {c["campaign_id"]: c["channel"] for c in _csv_rows(year_landing, "crm/*/campaigns.csv")}
    assert all(campaigns[c["campaign_id"]] == c["channel"] for c in caused)
    # some buyers use the causing campaign's promo code, most do not
    orders = {o["order_id"]: o for o in _json_lines(year_landing, "orders/*/orders.jsonl") if o["order_id"]}
    carried = [orders[c["order_id"]]["campaign_id"] == c["campaign_id"] for c in caused if c["order_id"] in orders]
    assert 0.15 < sum(carried) / len(carried) < 0.6


def test_campaign_spend_differs_by_channel(year_landing):
    latest: dict[str, tuple[str, float]] = {}
    for r in _csv_rows(year_landing, "crm/*/campaigns.csv"):  # in delivery order: revisions come later
        with contextlib.suppress(ValueError):  # the deliberately non-numeric spend
            latest[r["campaign_id"]] = (r["channel"], float(r["spend"]) * FX[r["currency"]])
    by_channel: dict[str, list[float]] = {}
    for channel, spend in latest.values():
        by_channel.setdefault(channel, []).append(spend)
    mean = {c: sum(v) / len(v) for c, v in by_channel.items()}
    assert mean["paid_search"] > 3 * mean["email"]
    assert min(mean[c] for c in ("paid_search", "display", "paid_social") if c in mean) > max(
        mean[c] for c in ("email", "sms", "wechat") if c in mean)


def test_marketplace_acquired_people_buy_on_the_marketplace(year_landing):
    con = duckdb.connect()
    truth = year_landing.parent / "ground_truth" / "identity.parquet"
    person = dict(con.execute(f"select record_id, person_id from '{truth}' where \"table\" in ('contacts', 'orders')")
                  .fetchall())
    lead = {person[c["contact_id"]]: c["lead_source"] for c in _csv_rows(year_landing, "crm/*/contacts.csv")
            if c["contact_id"] in person}
    channels: dict[bool, list[str]] = {True: [], False: []}
    revenue: dict[str, float] = {}
    for o in _json_lines(year_landing, "orders/*/orders.jsonl"):
        p = person.get(o["order_id"])
        if p in lead and o["status"] == "paid":  # each order once, as first delivered
            channels[lead[p] == "marketplace"].append(o["channel"])
            revenue[p] = revenue.get(p, 0.0) + FX[o["currency"]] * sum(i["quantity"] * i["unit_price"]
                                                                        for i in o["items"])
    mp_share = {k: v.count("marketplace") / len(v) for k, v in channels.items()}
    assert mp_share[True] > 0.7
    assert mp_share[False] < 0.3
    per_lead: dict[str, list[float]] = {}
    for p, source in lead.items():
        per_lead.setdefault(source, []).append(revenue.get(p, 0.0))
    mean = {s: sum(v) / len(v) for s, v in per_lead.items()}
    assert max(mean, key=mean.get) == "marketplace"
