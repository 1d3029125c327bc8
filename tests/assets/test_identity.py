"""Identity resolution on hand-made landing files with known answers, through the ingestion and
identity steps of the job."""

import json
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.config import DBT_PROJECT_DIR
from dagster_project.definitions import build_definitions
from dagster_project.partitions import landing_days

pytestmark = pytest.mark.e2e

CONTACTS = ("contact_id,email,phone,first_name,last_name,gender,birth_date,city,province,country,social_platform,"
            "social_handle,lead_source,referrer_contact_id,marketing_consent,consent_updated_at,created_at,updated_at\n")
RESPONSES = "response_id,survey_id,submitted_at,contact_id,email,phone,nps,csat,comment\n"


def _order(order_id, at, email=None, phone=None, contact=None):
    return json.dumps({
        "order_id": order_id, "ordered_at": at, "updated_at": at, "status": "paid", "channel": "web",
        "store_id": None, "currency": "CNY", "promo_code": None, "campaign_id": None,
        "customer": {"crm_contact_id": contact, "email": email, "phone": phone},
        "items": [{"sku": "S1", "product_name": "P", "category": "snacks", "brand": "B", "brand_tier": "store",
                   "quantity": 1, "unit_price": 10}], "discount": 0, "shipping": 0, "total": 10})


def _write(root, rel, text):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


IDENTITY_TABLES = ("customer_source_map", "identity_junk_identifiers", "customer_key_history", "dim_customers")


def _run(settings):
    """Ingest and build the identity steps (the source map, junk identifiers, key history and what
    they read), not every mart."""
    defs = build_definitions(settings)
    job = defs.resolve_job_def("daily_refresh")
    selection = (dg.AssetSelection.assets(*(dg.AssetKey(["core", name]) for name in IDENTITY_TABLES)).upstream()
                 | dg.AssetSelection.groups("raw"))  # an ingestion asset loads all tables of its source
    with dg.instance_for_test(temp_dir=str(settings.dagster_home)) as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False,
                                        asset_selection=list(selection.resolve(defs.resolve_asset_graph())),
                                        partition_key=landing_days(settings.landing)[-1])
    assert result.success
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return dict(con.execute("select record_key, customer_key from core.customer_source_map").fetchall())


def test_identity_graph_merges_what_belongs_together_and_nothing_else(settings):
    landing = settings.landing
    _write(landing, "crm/2026-01-01/contacts.csv", CONTACTS +
           # Wang Wei: CRM with email A and a WeChat handle
           "C1, Wang.Wei@QQ.com ,,伟,王,M,,Shanghai,Shanghai,China,wechat,WangWei88,store,,yes,"
           "2026-01-01 09:00:00,2026-01-01 09:00:00,2026-01-01 09:00:00\n"
           # another Wang in the same city, nothing shared: a different person
           "C2,wang.wei.other@163.com,13911112222,伟,王,M,,Shanghai,Shanghai,China,,,store,,no,"
           "2026-01-01 10:00:00,2026-01-01 10:00:00,2026-01-01 10:00:00\n")
    orders = [
        _order("O1", "2026-01-02 10:00:00", email="wang.wei@qq.com  ", phone="+86 138 0013 8000"),  # email A + phone P
        *[_order(f"T{i}", "2026-01-02 11:00:00", email="test@test.com", phone=f"1370000000{i}") for i in range(6)],
    ]
    _write(landing, "orders/2026-01-02/orders.jsonl", "\n".join(orders) + "\n")
    _write(landing, "survey/2026-01-03/responses.csv", RESPONSES +
           "R1,NPS,2026-01-03 10:00:00,,,0086-138-0013-8000,9,,\n")  # phone P, other format
    _write(landing, "social/2026-01-03/engagements.jsonl", json.dumps({
        "event_id": "E1", "platform": "wechat", "event_type": "like", "occurred_at": "2026-01-03 12:00:00",
        "post_id": "p", "campaign_id": None, "text": None,
        "user": {"handle": "wangwei88", "display_name": "W", "followers": 3, "email": None, "phone": None}}) + "\n")
    keys = _run(settings)
    wang = keys["crm|contacts|C1"]
    # transitive: CRM (email A, handle) - order (email A, phone P) - survey (phone P) - social (handle)
    assert keys["orders|orders|O1"] == keys["survey|responses|R1"] == keys["social|engagements|E1"] == wang
    # same name and city, no shared identifier: not merged
    assert keys["crm|contacts|C2"] != wang
    # a placeholder email on six orders with six phones is junk: those orders stay six customers
    assert len({keys[f"orders|orders|T{i}"] for i in range(6)}) == 6
    assert wang not in {keys[f"orders|orders|T{i}"] for i in range(6)}
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        junk = con.execute("select identifier_key from core.identity_junk_identifiers").fetchall()
        assert ("email:test@test.com",) in junk


def test_a_new_day_linking_two_customers_merges_them_into_the_older_key(settings):
    landing = settings.landing
    _write(landing, "orders/2026-01-01/orders.jsonl", "\n".join([
        _order("A1", "2026-01-01 10:00:00", email="li.na@163.com"),
        _order("B1", "2026-01-05 10:00:00", phone="13800138000"),
    ]) + "\n")
    first = _run(settings)
    older, younger = first["orders|orders|A1"], first["orders|orders|B1"]
    assert older != younger
    _write(landing, "survey/2026-01-06/responses.csv", RESPONSES +
           "R9,NPS,2026-01-06 10:00:00,,li.na@163.com,+86 138 0013 8000,10,,\n")
    second = _run(settings)
    assert second["orders|orders|A1"] == second["orders|orders|B1"] == second["survey|responses|R9"] == older
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        history = con.execute("select old_customer_key, new_customer_key, reason from core.customer_key_history").fetchall()
        assert history == [(younger, older, "merge")]
        assert con.execute("select count(*) from core.dim_customers").fetchone()[0] == 1
    # nothing changed: a third run keeps every key and adds no history
    assert _run(settings) == second
    # a full refresh rebuilds every model but neither the key registry nor the key history (the
    # identity steps and what they read: the marts would add minutes and nothing to the answer)
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "build", "--full-refresh", "--select",
                    *(f"+{name}" for name in IDENTITY_TABLES), "--indirect-selection", "cautious",
                    "--exclude-resource-type", "unit_test",
                    "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
                   check=True, capture_output=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert dict(con.execute("select record_key, customer_key from core.customer_source_map").fetchall()) == second
        assert con.execute("select old_customer_key, new_customer_key from core.customer_key_history").fetchall() == [
            (younger, older)]


def test_a_shared_phone_found_later_splits_the_customer_it_had_glued(settings):
    landing = settings.landing
    # day 1: two emails on the same phone look like one person
    _write(landing, "orders/2026-01-01/orders.jsonl", "\n".join([
        _order("A1", "2026-01-01 10:00:00", email="zhang.min@qq.com", phone="13700001111"),
        _order("B1", "2026-01-01 11:00:00", email="liu.yang@163.com", phone="13700001111"),
    ]) + "\n")
    first = _run(settings)
    glued = first["orders|orders|A1"]
    assert first["orders|orders|B1"] == glued
    # day 2: the phone turns up beside three more emails: it is a shop's counter phone, not a person's
    _write(landing, "orders/2026-01-02/orders.jsonl", "\n".join(
        _order(f"C{i}", "2026-01-02 10:00:00", email=f"buyer{i}@qq.com", phone="13700001111") for i in range(3)
    ) + "\n")
    second = _run(settings)
    # the key stays with the part holding the identifier it was derived from (the oldest: A1's email)
    assert second["orders|orders|A1"] == glued
    split_off = second["orders|orders|B1"]
    assert split_off != glued
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        assert con.execute("select old_customer_key, new_customer_key, reason from core.customer_key_history"
                           ).fetchall() == [(glued, split_off, "split")]
        assert ("phone:+8613700001111",) in con.execute("select identifier_key from core.identity_junk_identifiers"
                                                         ).fetchall()
    # deterministic: resolving day 1 and day 2 together from an empty registry gives the same keys
    settings.warehouse.unlink()
    assert _run(settings) == second
