"""The demo generator: deterministic, on contract, messy in every way the contract names."""

import contextlib
import csv
import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from dagster_project.demo.generator import generate
from dagster_project.ingest.contract import FEEDS
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
