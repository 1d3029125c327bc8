"""What a check reports: its severity from the rules that failed (expectations/settings.py), and
no raw personal data in its samples and description."""

import json

import duckdb

from expectations import settings
from expectations.engine import CheckVerdict, ExpectationOutcome, RuleOutcome, check_verdict, validate
from expectations.settings import BLOCK, PASS, WARN
from expectations.suites import Suite


def test_a_suite_whose_only_failure_is_a_warning_rule_warns(monkeypatch):
    monkeypatch.setitem(settings.RULE_SEVERITY, "channel_accepted", WARN)
    outcomes = [ExpectationOutcome("order_id_not_null", "order_id", True, 0, []),
                ExpectationOutcome("channel_accepted", None, False, 3, ['{"channel": "fax"}'])]
    verdict = check_verdict([o.rule_outcome for o in outcomes])
    assert (verdict.passed, verdict.severity, verdict.blocked, verdict.warned) == (
        False, WARN, [], ["channel_accepted"])
    assert verdict.description.startswith("WARN channel_accepted: 3 unexpected")


def test_a_blocking_failure_blocks_and_the_description_says_which_rules_warned():
    verdict = check_verdict([RuleOutcome("delivery_volume", WARN, "delivery_volume: unusually low"),
                             RuleOutcome("nps_between_0_and_10", BLOCK, "nps_between_0_and_10: 1 unexpected"),
                             RuleOutcome("csat_between_1_and_5", PASS, "csat_between_1_and_5: 0 unexpected")])
    assert (verdict.passed, verdict.severity) == (False, BLOCK)
    assert verdict.description == "BLOCK nps_between_0_and_10: 1 unexpected; WARN delivery_volume: unusually low"
    assert (verdict.blocked, verdict.warned) == (["nps_between_0_and_10"], ["delivery_volume"])


def test_rules_fail_by_their_configured_severity():
    assert settings.failure_severity("delivery_volume") == WARN
    assert settings.failure_severity("delivery_freshness") == WARN
    assert settings.failure_severity("quarantine_share_below_limit") == BLOCK  # structural: not listed
    assert check_verdict([RuleOutcome("a", PASS, "a: fine"), RuleOutcome("b", PASS, "b: fine")]) == CheckVerdict(
        True, PASS, "all 2 rules met", [], [])


def test_offending_rows_with_personal_data_are_masked(tmp_path):
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.t as select * from (values "
                    "('R1', 'jane.doe@example.com', '13812345678', '11', 'call me on 13987654321'), "
                    "('R2', 'ok@example.com', null, '8', null)) as t(response_id, email, phone, nps, comment)")

    def build(_):
        import great_expectations as gx
        return [
            gx.expectations.UnexpectedRowsExpectation(
                unexpected_rows_query="select * from {batch} where try_cast(nps as integer) > 10",
                meta={"name": "nps_between_0_and_10"}),
            gx.expectations.ExpectColumnValuesToBeInSet(column="email", value_set=["ok@example.com"],
                                                        meta={"name": "email_known"}),
            gx.expectations.ExpectColumnValuesToBeNull(column="comment", meta={"name": "no_comment"}),
        ]

    outcome = validate(path, [Suite("pii", ("raw", "t"), "raw.t", "test", build)])[0]
    failed = {e.expectation: e for e in outcome.failed}
    assert set(failed) == {"nps_between_0_and_10", "email_known", "no_comment"}
    verdict = check_verdict([e.rule_outcome for e in outcome.expectations])
    shown = json.dumps({name: e.sample for name, e in failed.items()}) + verdict.description
    for raw in ("jane.doe@example.com", "13812345678", "13987654321"):
        assert raw not in shown
    assert "j***@example.com" in failed["email_known"].sample  # GE's list of unexpected values
    row = json.loads(failed["nps_between_0_and_10"].sample[0])  # a row the SQL rule found
    assert (row["response_id"], row["email"], row["phone"], row["nps"]) == ("R1", "j***@example.com", "138****5678", "11")
    assert "call me on 139****4321" in failed["no_comment"].sample
    assert "j***@example.com" in verdict.description
