"""Audience export files on a hand-made warehouse: only the columns a channel needs, hashes of the
normalised values for ad platforms, a manifest per file, the as-of folder replaced whole."""

import csv
import hashlib
import json

import duckdb
import pytest

from dagster_project.exports import write_exports


@pytest.fixture()
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute("create table marts.mart_customer_profile as select date '2026-11-30' as as_of_date")
    con.execute("create table marts.mart_audience_definitions as select * from (values "
                "('win_back', 'email', 'address', 'md5a'), ('win_back', 'paid_social', 'sha256', 'md5a'), "
                "('win_back', 'offline_event', null, 'md5a'), ('welcome', 'sms', 'address', 'md5b')"
                ") as t(audience_name, channel, export_as, definition_md5)")
    hashed = hashlib.sha256(b"ann@qq.com").hexdigest()
    con.execute("create table marts.mart_audience_exports as select * from (values "
                "('win_back', 'email', 'CUS-2', 'email', 'zed@qq.com', null), "
                "('win_back', 'email', 'CUS-1', 'email', 'ann@qq.com', null), "
                f"('win_back', 'paid_social', 'CUS-1', 'email', null, '{hashed}')"
                ") as t(audience_name, channel, customer_key, contact_point_type, contact_point, contact_point_sha256)")
    yield con
    con.close()


def _read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_each_channel_gets_only_what_it_needs(tmp_path, con):
    folder, files = write_exports(con, tmp_path / "exports", "run-1")
    assert folder == tmp_path / "exports" / "2026-11-30"
    assert sorted(p.name for p in folder.iterdir()) == [
        "welcome__sms.csv", "welcome__sms.manifest.json", "win_back__email.csv", "win_back__email.manifest.json",
        "win_back__paid_social.csv", "win_back__paid_social.manifest.json"]
    # owned channel: the address alone, sorted; no customer key leaves
    assert _read(folder / "win_back__email.csv") == [["contact_point"], ["ann@qq.com"], ["zed@qq.com"]]
    # ad platform: what was hashed and the SHA-256 of the normalised value, never the address
    assert _read(folder / "win_back__paid_social.csv") == [
        ["contact_point_type", "contact_point_sha256"], ["email", hashlib.sha256(b"ann@qq.com").hexdigest()]]
    assert "ann@qq.com" not in (folder / "win_back__paid_social.csv").read_text(encoding="utf-8")
    # an audience without members still gets its file, header only
    assert _read(folder / "welcome__sms.csv") == [["contact_point"]]
    manifest = json.loads((folder / "win_back__email.manifest.json").read_text(encoding="utf-8"))
    assert manifest == {
        "audience": "win_back", "channel": "email", "file": "win_back__email.csv", "rows": 2,
        "sha256": hashlib.sha256((folder / "win_back__email.csv").read_bytes()).hexdigest(),
        "columns": ["contact_point"], "as_of": "2026-11-30", "run_id": "run-1", "definition_md5": "md5a"}
    assert {(f.audience, f.channel, f.rows) for f in files} == {
        ("win_back", "email", 2), ("win_back", "paid_social", 1), ("welcome", "sms", 0)}


def test_a_new_export_replaces_the_folder_of_its_date_whole(tmp_path, con):
    write_exports(con, tmp_path / "exports", "run-1")
    con.execute("delete from marts.mart_audience_definitions where audience_name = 'welcome'")
    folder, _ = write_exports(con, tmp_path / "exports", "run-2")
    assert not (folder / "welcome__sms.csv").exists()
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["2026-11-30"]
    assert json.loads((folder / "win_back__email.manifest.json").read_text(encoding="utf-8"))["run_id"] == "run-2"


def test_an_audience_name_that_cannot_name_a_file_is_refused(tmp_path, con):
    con.execute("update marts.mart_audience_definitions set audience_name = '../escape' where audience_name = 'welcome'")
    with pytest.raises(ValueError, match="cannot name a file"):
        write_exports(con, tmp_path / "exports", "run-1")
    assert not (tmp_path / "escape__sms.csv").exists()
    assert list((tmp_path / "exports").iterdir()) == []  # no export folder, no staging folder left
