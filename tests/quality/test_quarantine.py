"""The quarantine-share rules of a raw suite on hand-made tables: a share is judged by its Wilson
lower bound, so few rows get a wide tolerance while a real fault still fails."""

import duckdb
import pytest

from expectations.engine import validate
from expectations.suites import SUITES

SURVEY_SUITE = next(s for s in SUITES if s.name == "raw_survey_responses_suite")
QUARANTINE_RULES = {"quarantine_share_below_limit", "no_quarantine_spike_in_a_file"}


def _warehouse(path, delivered: int, quarantined: int, other_rows: int = 0):
    """One survey file of `delivered` rows, `quarantined` of them in quarantine, all others valid;
    an older file, since retracted, that had sent all its rows to quarantine; and, with
    `other_rows`, a clean file of that many rows."""
    loaded = delivered - quarantined
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("""create table raw.load_manifest (
            file_path varchar, source varchar, feed_file varchar, size_bytes bigint, content_hash varchar,
            rows_loaded bigint, rows_quarantined bigint, status varchar, error varchar, load_id varchar,
            loaded_at timestamp, modified_at timestamp)""")
        con.execute("""insert into raw.load_manifest values
            ('survey/2026-01-01/responses.csv', 'survey', 'responses.csv', 1, 'a', 0, 30, 'loaded', null, 'l1',
             '2026-01-01 08:00', '2026-01-01 07:00'),
            ('survey/2026-01-01/responses.csv', 'survey', 'responses.csv', 1, 'a', 0, 0, 'retracted', null, 'l2',
             '2026-01-02 08:00', '2026-01-01 07:00'),
            ('survey/2026-01-03/responses.csv', 'survey', 'responses.csv', 1, 'b', ?, ?, 'loaded', null, 'l3',
             '2026-01-03 08:00', '2026-01-03 07:00'),
            ('survey/2026-01-02/responses.csv', 'survey', 'responses.csv', 1, 'c', ?, 0, 'loaded', null, 'l2',
             '2026-01-02 08:00', '2026-01-02 07:00')""", [loaded, quarantined, other_rows])
        con.execute(f"""create table raw.survey_responses as
            select 'R' || i as response_id, 'NPS-2026Q1' as survey_id, '2026-01-03 10:00:00' as submitted_at,
                '8' as nps, '4' as csat
            from range({loaded + other_rows}) as r(i)""")
        con.execute(f"""create table raw.quarantine as
            select 'survey' as source, 'survey_responses' as raw_table,
                'survey/2026-01-03/responses.csv' as source_file, i + 2 as source_line, 'broken' as raw_text,
                'missing required id response_id' as reason, 'l3' as load_id, timestamp '2026-01-03 08:00' as loaded_at
            from range({quarantined}) as r(i)""")


@pytest.mark.parametrize("delivered, quarantined, fails", [
    (17, 6, True),  # the small survey feed of the issue: 35% quarantined is a fault, even of 17 rows
    (17, 2, False),  # 12% of 17 rows: within chance of a 5% rate
    (15, 1, False),  # one bad row of a small feed
    (40, 20, True),  # half a file quarantined still fails
    (1000, 80, True),  # 8% of many rows: the bound is close to the share
])
def test_quarantine_share_widens_for_small_counts(tmp_path, delivered, quarantined, fails):
    path = tmp_path / "w.duckdb"
    _warehouse(path, delivered, quarantined)
    outcome = validate(path, [SURVEY_SUITE])[0]
    failed = {e.expectation for e in outcome.failed}
    assert failed == (QUARANTINE_RULES if fails else set())
    if fails:  # the message names the file and how many of its rows went to quarantine
        spike = next(e for e in outcome.failed if e.expectation == "no_quarantine_spike_in_a_file")
        assert "survey/2026-01-03/responses.csv" in spike.sample[0]
        assert f'"quarantined_rows": {quarantined}' in spike.sample[0]


def test_a_small_file_with_two_bad_rows_in_a_clean_feed_is_not_a_spike(tmp_path):
    """2 bad rows of a 10-row file (a year of daily CRM files at scale 0.1 had two such): at 95% its
    Wilson bound is 5.7%, but every file is judged, so the per-file rule asks for 99.7%."""
    path = tmp_path / "w.duckdb"
    _warehouse(path, delivered=10, quarantined=2, other_rows=990)
    assert validate(path, [SURVEY_SUITE])[0].failed == []
