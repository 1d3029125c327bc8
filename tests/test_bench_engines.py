from datetime import date, timedelta

from mdw.bench_engines import START, first_day


def test_a_short_benchmark_starts_on_the_fixed_day():
    assert first_day(30, date(2026, 12, 3)) == START


def test_a_year_ending_past_today_starts_early_enough_to_end_yesterday():
    today = date(2026, 12, 3)
    first = first_day(365, today)
    assert first + timedelta(days=364) == today - timedelta(days=1)
