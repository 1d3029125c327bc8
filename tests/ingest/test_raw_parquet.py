"""The Parquet raw layer (MDW_ENGINE=spark) on hand-made landing files: one file per table and
delivery day, rewritten exactly for the days a load or a retraction touched."""

import duckdb

from dagster_project.ingest.contract import CRM_CAMPAIGNS, SURVEY_RESPONSES
from dagster_project.ingest.loader import ingest_feed_file
from dagster_project.ingest.manifest import retract
from dagster_project.ingest.raw_parquet import EMPTY_FILE, sync_raw_parquet
from tests.ingest.helpers import SURVEY_HEADER, write


def _read(path):
    return duckdb.sql(f"select response_id, nps, _source_file from '{path}' order by all").fetchall()


def test_each_delivery_day_is_one_file_with_the_raw_rows_and_their_lineage(tmp_path, con):
    landing, root = tmp_path / "landing", tmp_path / "parquet"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\nR2,S,2026-01-01,,,,8,4,\n")
    write(landing, "survey/2026-01-02/responses.csv", f"{SURVEY_HEADER}\nR3,S,2026-01-02,,,,7,3,\nbad,S,never,,,,1,1,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES, load_id="L1")
    result = sync_raw_parquet(con, root)
    assert result.days["survey_responses"] == ["2026-01-01", "2026-01-02"]
    day1 = root / "survey_responses" / "2026-01-01.parquet"
    assert _read(day1) == [("R1", "9", "survey/2026-01-01/responses.csv"), ("R2", "8", "survey/2026-01-01/responses.csv")]
    assert _read(root / "survey_responses" / "2026-01-02.parquet") == [("R3", "7", "survey/2026-01-02/responses.csv")]
    # timestamps leave as instants (Spark: timestamp, not timestamp_ntz), every column as in raw
    types = dict(duckdb.sql(f"select column_name, column_type from (describe select * from '{day1}')").fetchall())
    assert types["_loaded_at"] == "TIMESTAMP WITH TIME ZONE" and types["_source_line"] == "BIGINT"
    assert set(types) == {r[0] for r in con.execute("describe raw.survey_responses").fetchall()}
    quarantine = duckdb.sql(f"select source_file, source_line from '{root}/quarantine/all.parquet'").fetchall()
    assert quarantine == [("survey/2026-01-02/responses.csv", 3)]
    manifest = duckdb.sql(f"select file_path, status from '{root}/load_manifest/all.parquet' order by 1").fetchall()
    assert manifest == [("survey/2026-01-01/responses.csv", "loaded"), ("survey/2026-01-02/responses.csv", "loaded")]
    # a table with no rows yet (campaigns) still has its columns, in an empty file
    assert duckdb.sql(f"select count(*) from '{root}/crm_campaigns/{EMPTY_FILE}'").fetchone() == (0,)


def test_only_touched_days_are_rewritten_and_a_retracted_day_loses_its_file(tmp_path, con):
    landing, root = tmp_path / "landing", tmp_path / "parquet"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    write(landing, "survey/2026-01-02/responses.csv", f"{SURVEY_HEADER}\nR2,S,2026-01-02,,,,7,3,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    sync_raw_parquet(con, root)
    day1, day2 = root / "survey_responses" / "2026-01-01.parquet", root / "survey_responses" / "2026-01-02.parquet"
    day2_written = day2.stat().st_mtime_ns

    assert sync_raw_parquet(con, root).days == {}  # nothing loaded since: nothing rewritten

    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,10,5,\nR9,S,2026-01-01,,,,6,2,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)  # day 1 re-delivered
    result = sync_raw_parquet(con, root)
    assert result.days == {"survey_responses": ["2026-01-01"]}
    assert _read(day1) == [("R1", "10", "survey/2026-01-01/responses.csv"), ("R9", "6", "survey/2026-01-01/responses.csv")]
    assert day2.stat().st_mtime_ns == day2_written

    retract(con, "survey/2026-01-01", reason="test")
    result = sync_raw_parquet(con, root)
    assert result.days == {"survey_responses": ["2026-01-01"]} and result.files_removed == 1
    assert not day1.exists() and _read(day2) == [("R2", "7", "survey/2026-01-02/responses.csv")]
    assert not list(root.rglob(".*.tmp"))


def test_a_table_gets_its_first_day_file_and_drops_the_empty_one(tmp_path, con):
    landing, root = tmp_path / "landing", tmp_path / "parquet"
    write(landing, "survey/2026-01-01/responses.csv", f"{SURVEY_HEADER}\nR1,S,2026-01-01,,,,9,5,\n")
    ingest_feed_file(con, landing, SURVEY_RESPONSES)
    sync_raw_parquet(con, root)
    assert (root / "crm_campaigns" / EMPTY_FILE).exists()
    write(landing, "crm/2026-01-03/campaigns.csv",
          "campaign_id,name,channel,objective,start_date,end_date,spend,currency\nK1,Spring,email,retention,2026-01-03,,100,CNY\n")
    ingest_feed_file(con, landing, CRM_CAMPAIGNS)
    sync_raw_parquet(con, root)
    assert sorted(p.name for p in (root / "crm_campaigns").iterdir()) == ["2026-01-03.parquet"]
