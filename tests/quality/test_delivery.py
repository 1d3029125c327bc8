"""Volume and freshness of deliveries, judged against each feed's own history, on hand-made
histories; the manifest readers on a hand-made raw.load_manifest."""

from datetime import date, datetime, timedelta

import duckdb
import pytest

from expectations.delivery import delivery_history, judge_freshness, judge_volume, last_delivered, weekly_rhythm
from expectations.settings import BLOCK, PASS, WARN

JITTER = [3, -2, 0, 4, -3, 1, -1, 2, -4, 0, 2, -2, 1, -1]  # a little day-to-day noise
START = date(2026, 3, 2)  # a Monday


def daily(counts: list[int], start: date = START) -> list[tuple[date, int]]:
    return [(start + timedelta(i), n) for i, n in enumerate(counts)]


def flat(level: int, days: int = 14) -> list[int]:
    return [level + JITTER[i % len(JITTER)] * max(1, level // 50) for i in range(days)]


def test_a_feed_that_trends_down_smoothly_passes():
    # the CRM export of the issue: about 60 rows a day after a busy fortnight, falling to about 20
    counts = [round(60 - 40 * i / 14) + JITTER[i % 14] // 2 for i in range(14)] + [20]
    judgement = judge_volume(daily(counts))
    assert judgement.outcome == PASS, judgement.message
    assert not weekly_rhythm(daily(counts[:-1]))


def test_a_newest_file_with_a_fifth_of_the_recent_level_blocks():
    judgement = judge_volume(daily([*flat(100), 20]))
    assert judgement.outcome == BLOCK, judgement.message
    assert "20 rows" in judgement.message and "broken" in judgement.message


def test_a_single_row_is_counted_in_the_singular():
    judgement = judge_volume(daily([*flat(100), 1]))
    assert judgement.message.startswith("1 row on "), judgement.message


def test_a_step_down_to_a_third_warns_but_does_not_block():
    judgement = judge_volume(daily([*flat(150), 50]))
    assert judgement.outcome == WARN, judgement.message
    assert "unusually low" in judgement.message


def test_a_sale_day_only_warns():
    assert judge_volume(daily([*flat(100), 400])).outcome == WARN


def _weekly(weeks: int, saturday: int) -> list[tuple[date, int]]:
    """`weeks` weeks from a Monday: weekdays about 200, weekends about 40; then a Saturday."""
    history = []
    for i in range(weeks * 7):
        day = START + timedelta(i)
        base = 40 if day.weekday() >= 5 else 200
        history.append((day, base + JITTER[i % 14] * (1 if base == 40 else 3)))
    return [*history, (START + timedelta(weeks * 7 + 5), saturday)]


def test_a_weekend_dip_on_a_weekday_rhythm_feed_passes():
    history = _weekly(8, saturday=45)
    assert weekly_rhythm(history[:-1])
    judgement = judge_volume(history)
    assert judgement.outcome == PASS, judgement.message
    assert "Saturdays" in judgement.metadata["basis"]


def test_a_weekday_rhythm_feed_still_blocks_a_broken_saturday():
    assert judge_volume(_weekly(8, saturday=5)).outcome == BLOCK


def test_small_counts_do_not_block():
    counts = [5, 3, 7, 4, 6, 5, 2, 8, 5, 4, 6, 3, 5, 7, 1]  # about 5 a day, newest 1
    assert judge_volume(daily(counts)).outcome == PASS


def test_too_little_history_means_the_rule_does_not_apply():
    judgement = judge_volume(daily([100, 104, 98, 101, 99, 103, 0]))  # 6 earlier deliveries, the 7th is empty
    assert judgement.outcome == PASS
    assert judgement.metadata["applies"] is False
    assert "too little history" in judgement.message


def test_deliveries_are_judged_in_day_order_whatever_the_input_order():
    history = daily([*flat(100), 20])
    assert judge_volume(list(reversed(history))).outcome == BLOCK


def _campaign_feed(days_per_send: list[int]) -> list[tuple[date, int]]:
    """Campaign activity: each send brings 4000 rows, then 600, then a slowly falling ~250 a day,
    and the send winds down to 12 and 1 rows before two days without a file; sends come at
    irregular intervals."""
    history, day = [], START
    for days in days_per_send:
        for rows in [4000, 600, *(250 - 10 * i for i in range(days - 4)), 12, 1]:
            history.append((day, rows))
            day += timedelta(1)
        day += timedelta(2)
    return history


def test_a_campaign_feed_blocks_only_its_first_wind_down():
    history = _campaign_feed([9, 6, 11, 8, 10, 7, 9])
    def blocked(precedents: bool) -> list[date]:
        return [history[end - 1][0] for end in range(1, len(history) + 1)
                if judge_volume(history[:end], precedents=precedents).outcome == BLOCK]
    assert len(blocked(precedents=False)) == 11  # every wind-down day, judged alone
    assert blocked(precedents=True) == [history[7][0], history[8][0]]  # the first send's 12 and 1 rows


def test_a_steady_feed_blocks_its_first_deep_low_and_warns_at_the_next():
    first = daily([*flat(100), 10])
    assert judge_volume(first).outcome == BLOCK
    again = daily([*flat(100), 10, *flat(100), 15])
    judgement = judge_volume(again)
    assert judgement.outcome == WARN, judgement.message
    assert judgement.metadata["precedent"] == (START + timedelta(14)).isoformat()


def test_a_shallower_low_before_is_no_precedent():
    # 20% of the level once, 5% now: the feed never fell this low
    assert judge_volume(daily([*flat(100), 20, *flat(100), 5])).outcome == BLOCK


def test_a_low_from_over_a_year_ago_is_no_precedent():
    old = daily([*flat(100), 10])
    recent = daily([*flat(100), 15], start=START + timedelta(400))
    assert judge_volume([*old, *recent]).outcome == BLOCK


@pytest.mark.parametrize("hours, outcome", [(50, WARN), (10, PASS)])
def test_freshness_warns_past_the_limit(hours, outcome):
    now = datetime(2026, 3, 20, 12, 0)
    judgement = judge_freshness("crm", now - timedelta(hours=hours), now)
    assert judgement.outcome == outcome
    assert f"{hours:.1f} h ago" in judgement.message


def test_freshness_without_a_delivery_does_not_apply():
    assert judge_freshness("crm", None, datetime(2026, 3, 20)).outcome == PASS


@pytest.fixture
def manifest(tmp_path):
    """raw.load_manifest with a file's history: loaded, replaced, retracted, a failed retry."""
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema raw")
    con.execute("""create table raw.load_manifest (
        file_path varchar, source varchar, feed_file varchar, size_bytes bigint, content_hash varchar,
        rows_loaded bigint, rows_quarantined bigint, status varchar, error varchar, load_id varchar,
        loaded_at timestamp, modified_at timestamp)""")

    def row(day, status, loaded, quarantined, loaded_at, modified_at):
        con.execute("insert into raw.load_manifest values (?, 'crm', 'contacts.csv', 1, 'h', ?, ?, ?, null, 'l', ?, ?)",
                    [f"crm/{day}/contacts.csv", loaded, quarantined, status, loaded_at, modified_at])

    row("2026-03-01", "loaded", 50, 2, "2026-03-01 08:00", "2026-03-01 07:00")
    row("2026-03-02", "loaded", 40, 0, "2026-03-02 08:00", "2026-03-02 07:00")
    row("2026-03-02", "replaced", 45, 1, "2026-03-03 08:00", "2026-03-03 07:30")  # re-delivered
    row("2026-03-02", "failed", 0, 0, "2026-03-04 08:00", "2026-03-04 07:30")  # a failed retry changes nothing
    row("2026-03-03", "loaded", 30, 0, "2026-03-03 08:00", "2026-03-03 07:00")
    row("2026-03-04", "loaded", 9, 0, "2026-03-04 08:00", "2026-03-05 09:00")
    row("2026-03-04", "retracted", 0, 0, "2026-03-05 10:00", "2026-03-05 09:00")  # no longer delivered
    yield con
    con.close()


def test_history_is_the_current_state_of_each_delivered_file(manifest):
    assert delivery_history(manifest, "crm", "contacts.csv") == [
        (date(2026, 3, 1), 52), (date(2026, 3, 2), 46), (date(2026, 3, 3), 30)]
    assert delivery_history(manifest, "crm", "campaigns.csv") == []


def test_freshness_reads_the_newest_delivered_file(manifest):
    assert last_delivered(manifest, "crm") == datetime(2026, 3, 3, 7, 30)
    assert last_delivered(manifest, "orders") is None
