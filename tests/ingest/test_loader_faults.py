"""Ordinary files that used to crash the loader or load wrongly, scanning the landing folder,
and retracting a delivery; tiny hand-made landing files with known answers."""

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from dagster_project.ingest import files, manifest
from dagster_project.ingest.contract import CRM_CAMPAIGNS, CRM_CONTACTS, ORDERS, SOCIAL_ENGAGEMENTS, SURVEY_RESPONSES
from dagster_project.ingest.files import SkippedPath
from dagster_project.ingest.loader import ingest_feed_file
from tests.ingest.helpers import CAMPAIGN_HEADER, SURVEY_HEADER, order, rows, write

TOO_LONG = "x" * (16 * 1024 * 1024 + 10)
CONTACT_HEADER = ("contact_id,email,phone,first_name,last_name,gender,birth_date,city,province,country,"
                  "social_platform,social_handle,lead_source,referrer_contact_id,marketing_consent,"
                  "consent_updated_at,created_at,updated_at")


def statuses(result):
    return {f.path: f.status for f in result.files}


def event(event_id, **extra):
    return json.dumps({"event_id": event_id, "platform": "weibo", "event_type": "like",
                       "occurred_at": "2026-01-01 10:00:00", "post_id": "P1", "campaign_id": None, "text": "hi",
                       "user": {"handle": "h", "display_name": "D", "followers": 10, "email": None, "phone": None},
                       **extra})


# --------------------------------------------------------------------------------------------
# A bad file fails alone
# --------------------------------------------------------------------------------------------


def test_a_json_line_over_16_mb_fails_its_file_by_line_and_keeps_its_previous_rows(tmp_path, con):
    landing = tmp_path / "landing"
    day1, day2 = "orders/2026-01-01/orders.jsonl", "orders/2026-01-02/orders.jsonl"
    write(landing, day1, order("O1") + "\n")
    ingest_feed_file(con, landing, ORDERS)
    # the re-delivery of day 1 has a line too long for the reader; day 2 loads in the same batch
    write(landing, day1, "\n".join([order("O1", total="20.00"), order("O9", note=TOO_LONG), order("O3")]) + "\n")
    write(landing, day2, order("O2") + "\n")
    result = ingest_feed_file(con, landing, ORDERS)
    assert statuses(result) == {day1: "failed", day2: "loaded"}
    [failed] = result.errors
    assert failed.error.startswith(f"{day1}: line 2: Maximum line size of 16777216 bytes exceeded")
    assert result.rows == {"orders": 1, "order_items": 1}
    assert rows(con, "select order_id, total, _source_file from raw.orders order by 1") == [
        ("O1", "10.00", day1), ("O2", "10.00", day2)]
    assert rows(con, "select order_id from raw.order_items order by 1") == [("O1",), ("O2",)]
    assert rows(con, "select file_path, status, rows_loaded from raw.load_manifest order by loaded_at, 1") == [
        (day1, "loaded", 1), (day1, "failed", 0), (day2, "loaded", 1)]
    error, digest = rows(con, "select error, content_hash from raw.load_manifest where status = 'failed'")[0]
    assert error.startswith("line 2: Maximum line size of 16777216 bytes exceeded")
    assert digest == hashlib.sha256((landing / day1).read_bytes()).hexdigest()


def test_a_csv_line_over_16_mb_fails_its_file_by_line_and_the_others_load(tmp_path, con):
    landing = tmp_path / "landing"
    day1, day2 = "survey/2026-01-01/responses.csv", "survey/2026-01-02/responses.csv"
    write(landing, day1, f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\nR2,S,2026-01-01,,,,9,5,{TOO_LONG}\n")
    write(landing, day2, f"{SURVEY_HEADER}\nR3,S,2026-01-02,,,,7,3,ok\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert statuses(result) == {day1: "failed", day2: "loaded"}
    assert result.errors[0].error.startswith(f"{day1}: line 3: Maximum line size of 16777216 bytes exceeded")
    assert rows(con, "select response_id, _source_file, _source_line from raw.survey_responses") == [
        ("R3", day2, 2)]
    assert rows(con, "select count(*) from raw.quarantine") == [(0,)]
    assert rows(con, "select file_path, status from raw.load_manifest order by 1") == [
        (day1, "failed"), (day2, "loaded")]


# --------------------------------------------------------------------------------------------
# CSV headers: trailing comma, names that are not identifiers, optional columns
# --------------------------------------------------------------------------------------------


def test_a_csv_header_with_a_trailing_comma_loads(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "crm/2026-01-01/campaigns.csv",
          f"{CAMPAIGN_HEADER},\nK1,Spring,email,retention,2026-01-01,2026-01-31,5,CNY,\n")
    write(landing, "crm/2026-01-02/campaigns.csv",
          f"{CAMPAIGN_HEADER},\r\nK2,Summer,sms,retention,2026-06-01,2026-06-30,7,CNY,late fee\r\n"
          "K3,Autumn,sms,retention,2026-09-01,2026-09-30,8,CNY,\r\n")
    result = ingest_feed_file(con, landing, CRM_CAMPAIGNS)
    assert not result.errors and result.rows == {"crm_campaigns": 3}
    # an unnamed column is ignored where empty and kept under a generated name where it has a value
    assert rows(con, "select campaign_id, currency, _extra::varchar, _source_line from raw.crm_campaigns order by 1") == [
        ("K1", "CNY", None, 2), ("K2", "CNY", '{"column_9":"late fee"}', 2), ("K3", "CNY", None, 3)]


def test_csv_column_names_are_data_never_sql(tmp_path, con):
    landing = tmp_path / "landing"
    day1, day2 = "survey/2026-01-01/responses.csv", "survey/2026-01-02/responses.csv"
    write(landing, day1, f"{SURVEY_HEADER},filename,_id,_source_file,\"we\"\"ird\",it's\n"
                         "R1,S,2026-01-01,,,,9,5,,f.csv,7,x.csv,q,a\n")
    # columns are matched to the contract by their header position, in any order
    write(landing, day2, "comment,nps,csat,response_id,survey_id,submitted_at,contact_id,email,phone\n"
                         "fine,8,4,R2,S,2026-01-02,,,\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert not result.errors
    got = rows(con, "select response_id, nps, comment, _source_file, _extra::varchar from raw.survey_responses "
                    "order by 1")
    assert [r[:4] for r in got] == [("R1", "9", None, day1), ("R2", "8", "fine", day2)]
    assert json.loads(got[0][4]) == {"filename": "f.csv", "_id": "7", "_source_file": "x.csv", 'we"ird': "q",
                                     "it's": "a"}
    assert got[1][4] is None


def test_a_csv_without_an_optional_column_loads_it_as_null(tmp_path, con):
    landing = tmp_path / "landing"
    rel = "survey/2026-01-01/responses.csv"
    write(landing, rel, "response_id,survey_id,submitted_at,contact_id,email,nps,csat\nR1,S,2026-01-01,C1,,9,5\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    [outcome] = result.files
    assert (outcome.status, outcome.missing_columns) == ("loaded", ("phone", "comment"))
    assert rows(con, "select response_id, contact_id, phone, comment, nps from raw.survey_responses") == [
        ("R1", "C1", None, None, "9")]


# --------------------------------------------------------------------------------------------
# JSON keys, line endings
# --------------------------------------------------------------------------------------------


def test_a_json_key_with_a_double_quote_is_kept_in_extra(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "orders/2026-01-01/orders.jsonl",
          order("O1", **{'we"ird': 1, "back\\slash": [2]}) + "\n" + order("O2") + "\n")
    result = ingest_feed_file(con, landing, ORDERS)
    assert not result.errors and result.rows == {"orders": 2, "order_items": 2}
    got = dict(rows(con, "select order_id, _extra::varchar from raw.orders"))
    assert json.loads(got["O1"]) == {'we"ird': 1, "back\\slash": [2]}
    assert got["O2"] is None


def test_cr_only_line_endings_load_with_their_line_numbers(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv",
          f"{SURVEY_HEADER}\rR1,S,2026-01-01,,,,9,5,ok\rR2,S,never,,,,1,1,\rR3,S,2026-01-01,,,,7,3,\r")
    write(landing, "orders/2026-01-01/orders.jsonl", "\r".join([order("O1"), '{"order_id": "O2", ', order("O3")]) + "\r")
    survey = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    orders = ingest_feed_file(con, landing, ORDERS)
    assert not survey.errors and not orders.errors
    assert rows(con, "select response_id, comment, _source_line from raw.survey_responses order by 1") == [
        ("R1", "ok", 2), ("R3", None, 4)]
    assert rows(con, "select order_id, _source_line from raw.orders order by 1") == [("O1", 1), ("O3", 3)]
    assert rows(con, "select source_file, source_line, reason from raw.quarantine order by 1") == [
        ("orders/2026-01-01/orders.jsonl", 2, "broken JSON line"),
        ("survey/2026-01-01/responses.csv", 3, "unparseable timestamp in submitted_at: 'never'")]


# --------------------------------------------------------------------------------------------
# Values: integers, nested shapes
# --------------------------------------------------------------------------------------------


def test_integer_fields_accept_only_integral_values(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", "\n".join([
        SURVEY_HEADER, "R1,S,2026-01-01,,,,3,5,", "R2,S,2026-01-01,,,,3.0,5,", "R3,S,2026-01-01,,,, 3 ,5,",
        "R4,S,2026-01-01,,,,2.5,5,", ""]))
    item = {"sku": "S1", "product_name": "P", "category": "c", "brand": "B", "brand_tier": "store", "unit_price": 1}
    write(landing, "orders/2026-01-01/orders.jsonl", "\n".join([
        order("O1", items=[{**item, "quantity": 3.0}]), order("O2", items=[{**item, "quantity": 2.5}])]) + "\n")
    write(landing, "social/2026-01-01/engagements.jsonl", "\n".join([
        event("E1"), event("E2", user={"handle": "h", "followers": 2.5})]) + "\n")
    for feed_file in (SURVEY_RESPONSES, ORDERS, SOCIAL_ENGAGEMENTS):
        ingest_feed_file(con, landing, feed_file)
    assert rows(con, "select response_id, nps from raw.survey_responses order by 1") == [
        ("R1", "3"), ("R2", "3.0"), ("R3", " 3 ")]
    assert rows(con, "select order_id, quantity from raw.order_items") == [("O1", "3.0")]
    assert rows(con, "select event_id from raw.social_engagements") == [("E1",)]
    assert rows(con, "select raw_table, source_line, reason from raw.quarantine order by 1") == [
        ("orders", 2, "non-integer number in items[1].quantity: '2.5'"),
        ("social_engagements", 2, "non-integer number in user_followers: '2.5'"),
        ("survey_responses", 5, "non-integer number in nps: '2.5'")]


def test_nested_fields_of_the_wrong_shape_are_quarantined(tmp_path, con):
    landing = tmp_path / "landing"
    null_items, no_items = json.loads(order("O5")), json.loads(order("O6"))
    null_items["items"] = None
    del no_items["items"]
    write(landing, "orders/2026-01-01/orders.jsonl", "\n".join([
        order("O1", items={"sku": "S1"}), order("O2", items="abc"), order("O3", items=[5]),
        order("O4", customer="bob"), json.dumps(null_items), json.dumps(no_items), order("O7", customer=None),
        order("O8"), order("O9", items=[json.loads(order("O9"))["items"][0], "x"])]) + "\n")
    write(landing, "social/2026-01-01/engagements.jsonl",
          "\n".join([event("E1", user="bob"), event("E2", user=None), event("E3")]) + "\n")
    ingest_feed_file(con, landing, ORDERS)
    ingest_feed_file(con, landing, SOCIAL_ENGAGEMENTS)
    reasons = dict(rows(con, "select source_line, reason from raw.quarantine where raw_table = 'orders'"))
    assert reasons.pop(9).startswith("not a list of objects in items: '[{\"sku\":\"S1\"")  # a good item, then "x"
    assert reasons == {
        1: "not a list of objects in items: '{\"sku\":\"S1\"}'",
        2: "not a list of objects in items: '\"abc\"'",
        3: "not a list of objects in items: '[5]'",
        4: "not an object in customer: '\"bob\"'",
    }
    # a missing or null items (or customer) loads as before: an order without items
    assert rows(con, "select order_id from raw.orders order by 1") == [("O5",), ("O6",), ("O7",), ("O8",)]
    assert rows(con, "select order_id from raw.order_items order by 1") == [("O7",), ("O8",)]
    assert rows(con, "select source_line, reason from raw.quarantine where raw_table = 'social_engagements'") == [
        (1, "not an object in user: '\"bob\"'")]
    assert rows(con, "select event_id from raw.social_engagements order by 1") == [("E2",), ("E3",)]


# --------------------------------------------------------------------------------------------
# Manifest
# --------------------------------------------------------------------------------------------


def test_an_older_manifest_gains_modified_at_and_loads_record_the_file_mtime(tmp_path, con):
    con.execute("create schema raw")
    con.execute("create table raw.load_manifest (file_path varchar not null, source varchar not null, "
                "feed_file varchar not null, size_bytes bigint, content_hash varchar, rows_loaded bigint, "
                "rows_quarantined bigint, status varchar not null, error varchar, load_id varchar not null, "
                "loaded_at timestamp not null)")
    con.execute("insert into raw.load_manifest values ('survey/2025-12-31/responses.csv', 'survey', "
                "'responses.csv', 1, 'h', 1, 0, 'loaded', null, 'L0', '2026-01-01')")
    landing = tmp_path / "landing"
    path = write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    os.utime(path, (1767261600, 1767261600))  # 2026-01-01 10:00:00 UTC
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert rows(con, "select file_path, modified_at from raw.load_manifest order by 1") == [
        ("survey/2025-12-31/responses.csv", None),
        ("survey/2026-01-01/responses.csv", datetime(2026, 1, 1, 10, 0, tzinfo=UTC).replace(tzinfo=None))]


# --------------------------------------------------------------------------------------------
# Skipped paths
# --------------------------------------------------------------------------------------------


def test_scan_landing_lists_every_skipped_path_and_which_look_like_deliveries(tmp_path):
    landing = tmp_path / "landing"
    for rel in ["crm/2026-01-03/contacts.csv", "crm/2026-01-03/campaigns.csv", "crm/2026-01-03/_SUCCESS",
                "crm/2026-01-03/Contacts.csv", "crm/2026-01-03/contact.csv", "crm/2026-01-03/notes.txt",
                "crm/2026-13-45/contacts.csv", "crm/2026-1-5/contacts.csv", "crm/20260121/contacts.csv",
                "crm/archive/contacts.csv", "crm/contacts.csv", "orders/2026-01-03/orders.json",
                "orders/2026-01-03/orders.jsonl", "Orders/2026-01-03/orders.jsonl", "tmp/x", "2026-01-04/orders.jsonl",
                "README.md"]:
        write(landing, rel, "")
    not_a_file = "not a file of the crm contract (contacts.csv, campaigns.csv, campaign_activity.csv)"
    not_a_source = "not a source folder of the landing contract"
    assert set(files.scan_landing(landing, "crm")) == {
        SkippedPath("2026-01-04", not_a_source, True),
        SkippedPath("Orders", not_a_source, True),
        SkippedPath("README.md", not_a_source, False),
        SkippedPath("tmp", not_a_source, False),
        SkippedPath("crm/2026-01-03/Contacts.csv", not_a_file, True),
        SkippedPath("crm/2026-01-03/contact.csv", not_a_file, True),
        SkippedPath("crm/2026-01-03/notes.txt", not_a_file, False),
        SkippedPath("crm/2026-13-45", "not a YYYY-MM-DD day folder", True),
        SkippedPath("crm/2026-1-5", "not a YYYY-MM-DD day folder", True),
        SkippedPath("crm/20260121", "not a YYYY-MM-DD day folder", True),
        SkippedPath("crm/archive", "not a YYYY-MM-DD day folder", False),
        SkippedPath("crm/contacts.csv", "a file outside a day folder", True),
    }
    # top-level paths are reported with the first source only
    assert files.scan_landing(landing, "orders") == [
        SkippedPath("orders/2026-01-03/orders.json", "not a file of the orders contract (orders.jsonl)", True)]
    assert files.scan_landing(landing, "survey") == []


def _materialize(settings, source):
    from dagster_project.assets.ingestion import build_ingestion_asset
    from dagster_project.resources import DuckDBWarehouse, LandingZone

    result = dg.materialize([build_ingestion_asset(source)], resources={
        "warehouse": DuckDBWarehouse(path=str(settings.warehouse)), "landing": LandingZone(path=str(settings.landing))})
    assert result.success
    meta = {e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
            for e in result.get_asset_materialization_events()}
    [check] = result.get_asset_check_evaluations()
    return meta, check


def test_the_ingestion_asset_reports_skipped_paths_missing_columns_and_retractions(settings):
    landing = settings.landing
    rel = "survey/2026-01-01/responses.csv"
    write(landing, rel, "response_id,survey_id,submitted_at,email,nps,csat\nR1,S,2026-01-01,jane@example.com,9,5\n")
    write(landing, "survey/2026-01-01/_SUCCESS", "")
    write(landing, "survey/2026-01-01/notes.txt", "")
    write(landing, "survey/2026-13-45/responses.csv", f"{SURVEY_HEADER}\n")
    write(landing, "survey/2026-01-02/Responses.CSV", f"{SURVEY_HEADER}\n")
    meta, check = _materialize(settings, "survey")
    survey = meta["survey_responses"]
    assert survey["files_loaded"].value == 1 and survey["files_retracted"].value == 0
    assert survey["missing_optional_columns"].value == {rel: ["contact_id", "phone", "comment"]}
    assert survey["skipped_paths"].value == [
        {"path": "survey/2026-01-01/notes.txt", "reason": "not a file of the survey contract (responses.csv)",
         "looks_like_delivery": False},
        {"path": "survey/2026-01-02/Responses.CSV", "reason": "not a file of the survey contract (responses.csv)",
         "looks_like_delivery": True},
        {"path": "survey/2026-13-45", "reason": "not a YYYY-MM-DD day folder", "looks_like_delivery": True}]
    assert "j***@example.com" in survey["preview"].value and "jane@" not in survey["preview"].value
    assert (check.check_name, check.passed, check.severity) == ("landing_paths_recognised", False,
                                                               dg.AssetCheckSeverity.WARN)
    assert check.metadata["paths"].value == ["survey/2026-01-02/Responses.CSV", "survey/2026-13-45"]
    assert "survey/2026-13-45" in check.description

    with duckdb.connect(str(settings.warehouse)) as con:
        manifest.retract(con, rel, "sent by mistake")
    shutil.rmtree(landing / "survey/2026-13-45")
    (landing / "survey/2026-01-02/Responses.CSV").unlink()
    meta, check = _materialize(settings, "survey")
    assert meta["survey_responses"]["files_retracted"].value == 1
    assert meta["survey_responses"]["missing_optional_columns"].value == {}
    assert check.passed and check.metadata["paths"].value == []


# --------------------------------------------------------------------------------------------
# Retracting a delivery
# --------------------------------------------------------------------------------------------


def test_a_retracted_file_leaves_with_its_rows_and_stays_out_until_its_content_changes(tmp_path, con):
    landing = tmp_path / "landing"
    day1, day2 = "orders/2026-01-01/orders.jsonl", "orders/2026-01-02/orders.jsonl"
    write(landing, day1, order("O1") + "\n{broken\n")
    write(landing, day2, order("O2") + "\n")
    ingest_feed_file(con, landing, ORDERS)
    assert manifest.retract(con, day1, "exported from the test shop") == [day1]
    assert rows(con, "select order_id from raw.orders") == [("O2",)]
    assert rows(con, "select order_id from raw.order_items") == [("O2",)]
    assert rows(con, "select count(*) from raw.quarantine") == [(0,)]
    digest = hashlib.sha256((landing / day1).read_bytes()).hexdigest()
    assert rows(con, "select status, content_hash, error, rows_loaded from raw.load_manifest "
                     "where file_path = ? order by loaded_at desc limit 1", [day1]) == [
        ("retracted", digest, "exported from the test shop", 0)]

    again = ingest_feed_file(con, landing, ORDERS)
    assert statuses(again) == {day1: "retracted", day2: "skipped"}
    assert rows(con, "select order_id from raw.orders") == [("O2",)]

    write(landing, day1, order("O1", total="11.00") + "\n")
    changed = ingest_feed_file(con, landing, ORDERS)
    assert statuses(changed) == {day1: "loaded", day2: "skipped"}
    assert rows(con, "select order_id, total from raw.orders order by 1") == [("O1", "11.00"), ("O2", "10.00")]


def test_retracting_a_day_folder_and_undoing_it(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "crm/2026-01-01/contacts.csv", f"{CONTACT_HEADER}\nC1,a@b.com" + "," * 16 + "2026-01-01\n")
    write(landing, "crm/2026-01-01/campaigns.csv", f"{CAMPAIGN_HEADER}\nK1,Spring,email,r,2026-01-01,,5,CNY\n")
    write(landing, "crm/2026-01-02/campaigns.csv", f"{CAMPAIGN_HEADER}\nK2,Summer,email,r,2026-06-01,,5,CNY\n")
    for feed_file in (CRM_CONTACTS, CRM_CAMPAIGNS):
        ingest_feed_file(con, landing, feed_file)
    assert manifest.retract(con, "crm/2026-01-01/", "a day sent twice") == [
        "crm/2026-01-01/campaigns.csv", "crm/2026-01-01/contacts.csv"]
    assert rows(con, "select count(*) from raw.crm_contacts") == [(0,)]
    assert rows(con, "select campaign_id from raw.crm_campaigns") == [("K2",)]

    assert manifest.retract(con, "crm/2026-01-01", "it was not", undo=True) == [
        "crm/2026-01-01/campaigns.csv", "crm/2026-01-01/contacts.csv"]
    assert rows(con, "select count(*) from raw.crm_contacts") == [(0,)]  # undo deletes nothing, loads nothing
    assert rows(con, "select file_path, status, error from raw.load_manifest where status = 'restored' order by 1") == [
        ("crm/2026-01-01/campaigns.csv", "restored", "it was not"),
        ("crm/2026-01-01/contacts.csv", "restored", "it was not")]
    contacts = ingest_feed_file(con, landing, CRM_CONTACTS)
    campaigns = ingest_feed_file(con, landing, CRM_CAMPAIGNS)
    assert statuses(contacts) == {"crm/2026-01-01/contacts.csv": "loaded"}
    assert statuses(campaigns) == {"crm/2026-01-01/campaigns.csv": "loaded", "crm/2026-01-02/campaigns.csv": "skipped"}
    assert rows(con, "select contact_id, updated_at from raw.crm_contacts") == [("C1", "2026-01-01")]
    assert rows(con, "select campaign_id from raw.crm_campaigns order by 1") == [("K1",), ("K2",)]


def test_retract_matches_the_manifest_and_names_a_target_it_cannot_find(tmp_path, con):
    landing = tmp_path / "landing"
    rel = "survey/2026-01-01/responses.csv"
    write(landing, rel, f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    with pytest.raises(ValueError, match="survey/2026-01-0'"):
        manifest.retract(con, "survey/2026-01-0", "a prefix of a folder name is not the folder")
    with pytest.raises(ValueError, match=f"no retracted file in the load manifest matches '{rel}'"):
        manifest.retract(con, rel, "never retracted", undo=True)
    (landing / rel).unlink()  # a file already deleted from the landing folder is still retracted
    assert manifest.retract(con, rel, "gone") == [rel]
    assert rows(con, "select count(*) from raw.survey_responses") == [(0,)]


def test_a_retracted_unreadable_file_stops_failing_until_it_is_delivered_again(tmp_path, con):
    """An export that cannot be read fails every refresh; retracting it is the way to stop that
    (besides removing it), and a corrected delivery at the same path loads."""
    landing = tmp_path / "landing"
    rel = "survey/2026-01-02/responses.csv"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    write(landing, rel, f"{SURVEY_HEADER}\nR2,S,2026-01-02,,,,8,4,caf\xe9\n".encode("latin-1"))
    assert statuses(ingest_feed_file(con, landing, SURVEY_RESPONSES))[rel] == "failed"
    assert manifest.retract(con, rel, "survey tool exported Latin-1") == [rel]
    again = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert statuses(again)[rel] == "retracted" and not again.errors
    write(landing, rel, f"{SURVEY_HEADER}\nR2,S,2026-01-02,,,,8,4,caf\u00e9\n")
    assert statuses(ingest_feed_file(con, landing, SURVEY_RESPONSES))[rel] == "loaded"
    assert rows(con, "select response_id, comment from raw.survey_responses order by 1") == [
        ("R1", None), ("R2", "caf\u00e9")]
