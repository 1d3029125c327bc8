"""The loader on tiny hand-made landing files with known answers."""

import csv
import os

import pytest

from dagster_project.ingest import loader
from dagster_project.ingest.contract import CRM_CAMPAIGNS, ORDERS, SURVEY_RESPONSES
from dagster_project.ingest.files import check_file as real_check_file
from dagster_project.ingest.loader import ingest_feed_file
from tests.ingest.helpers import CAMPAIGN_HEADER, SURVEY_HEADER, order, rows, write


def test_csv_rows_load_with_lineage(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv",
          f"{SURVEY_HEADER}\nR1,S,2026-01-01 10:00:00,,a@b.com,,9,5,\"fast, \"\"great\"\"\"\nR2,S,2026-01-01T10:00:00Z,C1,,,3,,\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES, load_id="L1")
    assert result.rows == {"survey_responses": 2} and result.quarantined == 0
    got = rows(con, "select response_id, nps, comment, _source_file, _source_line, _load_id "
                    "from raw.survey_responses order by 1")
    assert got == [("R1", "9", 'fast, "great"', "survey/2026-01-01/responses.csv", 2, "L1"),
                   ("R2", "3", None, "survey/2026-01-01/responses.csv", 3, "L1")]
    manifest = rows(con, "select file_path, rows_loaded, rows_quarantined, status from raw.load_manifest")
    assert manifest == [("survey/2026-01-01/responses.csv", 2, 0, "loaded")]


def test_reloading_the_same_files_adds_nothing(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    again = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert [f.status for f in again.files] == ["skipped"]
    assert rows(con, "select count(*) from raw.survey_responses") == [(1,)]
    assert rows(con, "select count(*) from raw.load_manifest") == [(1,)]


def test_a_file_as_loaded_is_not_read_again_and_a_touched_one_is(tmp_path, con, monkeypatch):
    """Size and modification time as recorded: skipped without reading (a year of landing files is
    not re-hashed every day). Touched (same content, new time): read, hashed, still skipped."""
    landing = tmp_path / "landing"
    path = write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    read = []
    monkeypatch.setattr(loader, "check_file", lambda *args: read.append(args) or real_check_file(*args))
    assert [f.status for f in ingest_feed_file(con, landing, SURVEY_RESPONSES).files] == ["skipped"]
    assert read == []
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 60))
    assert [f.status for f in ingest_feed_file(con, landing, SURVEY_RESPONSES).files] == ["skipped"]
    assert len(read) == 1
    assert rows(con, "select count(*) from raw.survey_responses") == [(1,)]


def test_redelivered_file_replaces_exactly_its_own_rows(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\nR2,S,2026-01-01,,,,8,4,\n")
    write(landing, "survey/2026-01-02/responses.csv", f"{SURVEY_HEADER}\nR3,S,2026-01-02,,,,7,3,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,10,5,\nbad,S,never,,,,1,1,\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert sorted(f.status for f in result.files) == ["replaced", "skipped"]
    assert rows(con, "select response_id, nps from raw.survey_responses order by 1") == [("R1", "10"), ("R3", "7")]
    assert rows(con, "select source_file, source_line from raw.quarantine") == [("survey/2026-01-01/responses.csv", 3)]
    assert rows(con, "select status from raw.load_manifest order by loaded_at, file_path") == [
        ("loaded",), ("loaded",), ("replaced",)]


def test_each_malformed_kind_goes_to_quarantine_with_file_line_and_reason(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "crm/2026-01-01/campaigns.csv", "\n".join([
        CAMPAIGN_HEADER,
        "K1,Spring,email,retention,2026-01-01,2026-01-31,1000.50,CNY",   # 2 ok
        "K2,Spring,email,retention,2026-01-01,2026-01-31,12k,CNY",       # 3 non-numeric amount
        "K3,Spring,email,retention,2026-13-01,2026-01-31,5,CNY",         # 4 unparseable date
        ",Spring,email,retention,2026-01-01,2026-01-31,5,CNY",           # 5 missing id
        "K5,Spring,email,retention,2026-01-01,2026-01-31,5,CNY,extra",   # 6 too many fields
        "K6,Spring,email",                                                # 7 too few fields
        "K7,Spring,sms,retention,2026-01-01,2026-01-31,7,CNY",           # 8 ok, after two rejects
        "",
    ]))
    result = ingest_feed_file(con, landing, CRM_CAMPAIGNS)
    assert result.rows == {"crm_campaigns": 2} and result.quarantined == 5
    assert rows(con, "select campaign_id, _source_line from raw.crm_campaigns order by 1") == [("K1", 2), ("K7", 8)]
    q = dict(rows(con, "select source_line, reason from raw.quarantine order by 1"))
    assert q[3] == "non-numeric amount in spend: '12k'"
    assert q[4] == "unparseable date in start_date: '2026-13-01'"
    assert q[5] == "missing required id campaign_id"
    assert q[6].startswith("wrong number of fields (too many columns")
    assert q[7].startswith("wrong number of fields (missing columns")
    assert rows(con, "select raw_text from raw.quarantine where source_line = 6") == [
        ("K5,Spring,email,retention,2026-01-01,2026-01-31,5,CNY,extra",)]
    assert set(rows(con, "select distinct source_file from raw.quarantine")) == {("crm/2026-01-01/campaigns.csv",)}


def test_json_lines_broken_line_bad_item_and_line_numbers(tmp_path, con):
    landing = tmp_path / "landing"
    bad_item = [{"sku": "S1", "product_name": "P", "category": "c", "brand": "B", "brand_tier": "store",
                 "quantity": "two", "unit_price": 1}]
    lines = [order("O1"), "", order("O2", total="12O.50"), '{"order_id": "O3", "ordered_at": ', "[1, 2]",
             order("O4", items=bad_item), order(None), order("O6", ordered_at="31/02/2026"), order("O7", loyalty="gold")]
    write(landing, "orders/2026-01-01/orders.jsonl", "\r\n".join(lines) + "\r\n")
    result = ingest_feed_file(con, landing, ORDERS)
    assert result.rows == {"orders": 2, "order_items": 2}
    assert rows(con, "select order_id, _source_line, _extra::varchar from raw.orders order by 1") == [
        ("O1", 1, None), ("O7", 9, '{"loyalty":"gold"}')]
    q = dict(rows(con, "select source_line, reason from raw.quarantine"))
    assert q == {
        3: "non-numeric amount in total: '12O.50'",
        4: "broken JSON line",
        5: "JSON line is not an object",
        6: "non-integer number in items[1].quantity: 'two'",
        7: "missing required id order_id",
        8: "unparseable timestamp in ordered_at: '31/02/2026'",
    }
    assert rows(con, "select order_id, item_number, sku, quantity from raw.order_items order by 1") == [
        ("O1", "1", "S1", "1"), ("O7", "1", "S1", "1")]


def test_missing_required_column_fails_the_file_by_name_and_loads_the_rest(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    write(landing, "survey/2026-01-02/responses.csv", "survey_id,contact_id\nS,C1\n")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    [failed] = result.errors
    assert failed.path == "survey/2026-01-02/responses.csv"
    assert failed.error == "survey/2026-01-02/responses.csv: missing required column(s) response_id in the header row"
    assert rows(con, "select response_id from raw.survey_responses") == [("R1",)]
    assert rows(con, "select file_path, status from raw.load_manifest order by 1") == [
        ("survey/2026-01-01/responses.csv", "loaded"), ("survey/2026-01-02/responses.csv", "failed")]


def test_wrong_encoding_names_the_byte_offset(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,很好\n", "gb18030")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    [failed] = result.errors
    offset = len(f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,".encode())
    assert f"not valid UTF-8 at byte offset {offset} (line 2)" in failed.error
    assert rows(con, "select count(*) from raw.survey_responses") == [(0,)]


def test_empty_days_and_empty_files_are_not_errors(tmp_path, con):
    landing = tmp_path / "landing"
    (landing / "survey" / "2026-01-01").mkdir(parents=True)
    write(landing, "survey/2026-01-02/responses.csv", "")
    write(landing, "survey/2026-01-03/responses.csv", SURVEY_HEADER + "\n")
    write(landing, "survey/notes/responses.csv", "not a day folder")
    result = ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert not result.errors
    assert [f.path for f in result.files] == ["survey/2026-01-02/responses.csv", "survey/2026-01-03/responses.csv"]
    assert rows(con, "select count(*) from raw.survey_responses") == [(0,)]


def test_extra_csv_columns_are_kept(tmp_path, con):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER},channel\nR1,S,2026-01-01,,,,9,5,,kiosk\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert rows(con, "select _extra::varchar from raw.survey_responses") == [('{"channel":"kiosk"}',)]


def test_a_failure_mid_load_leaves_nothing_half_written(tmp_path, con, monkeypatch):
    landing = tmp_path / "landing"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR9,S,2026-01-01,,,,1,1,\n")
    write(landing, "survey/2026-01-02/responses.csv", f"{SURVEY_HEADER}\nR2,S,2026-01-02,,,,9,5,\n")
    real = loader._publish_staged

    def publish_then_crash(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(loader, "_publish_staged", publish_then_crash)
    with pytest.raises(OSError, match="disk full"):
        ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert rows(con, "select response_id from raw.survey_responses") == [("R1",)]
    assert rows(con, "select count(*) from raw.load_manifest") == [(1,)]
    monkeypatch.setattr(loader, "_publish_staged", real)
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    assert rows(con, "select response_id from raw.survey_responses order by 1") == [("R2",), ("R9",)]


def test_generated_malformed_rows_are_exactly_what_is_quarantined(small_landing, con):
    from dagster_project.ingest.contract import FEEDS

    for feed_files in FEEDS.values():
        for ff in feed_files:  # small batches: many transactions, same answer
            result = ingest_feed_file(con, small_landing, ff, batch_bytes=300_000)
            assert not result.errors
            assert result.count("loaded") == len(result.files)
    with open(small_landing.parent / "ground_truth" / "malformed.csv", encoding="utf-8") as fh:
        expected = {(r["file"], int(r["line"])) for r in csv.DictReader(fh)}
    assert set(rows(con, "select source_file, source_line from raw.quarantine")) == expected
