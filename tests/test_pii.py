"""Free text leaving the warehouse (check messages, log lines, samples) is masked by pattern."""

from dagster_project.pii import mask_text


def test_emails_and_phone_numbers_in_free_text_are_masked():
    text = "bad row: jane.doe@example.com, +86 138-1234-5678, 021 6288 0101"
    assert mask_text(text) == "bad row: j***@example.com, 861******5678, 021****0101"


def test_figures_and_dates_are_not_taken_for_phone_numbers():
    text = "9618 rows on 2026-01-01 against a level of 10361.5 from the last 14 deliveries, z -3.0"
    assert mask_text(text) == text
