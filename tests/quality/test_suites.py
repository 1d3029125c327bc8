"""The consent suite on hand-made tables: an address left usable although a withdrawal for it is
as recent as its grant, or although it is junk, is caught by name with the address in the sample;
the same data with consent respected passes."""

import duckdb
import pytest

from expectations.engine import validate
from expectations.suites import SUITES

CONSENT_SUITE = next(s for s in SUITES if s.name == "contact_point_consent_suite")


def _warehouse(path, bob_usable: bool, junk_usable: bool):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema core")
        # bob@qq.com opted in on 2026-03-01 and unsubscribed from email on 2026-03-05
        con.execute("create table core.fct_consent_events as select * from (values "
                    "('email:bob@qq.com', 'email', true, timestamp '2026-03-01 10:00:00'), "
                    "('email:bob@qq.com', 'email', false, timestamp '2026-03-05 10:00:00'), "
                    "('email:ann@qq.com', 'email', false, timestamp '2026-03-01 10:00:00'), "
                    "('email:ann@qq.com', 'email', true, timestamp '2026-03-02 10:00:00')"
                    ") as t(contact_point_key, channel, grants_consent, occurred_at)")
        con.execute("create table core.identity_junk_identifiers as select 'email:na@na.com' as identifier_key")
        con.execute(f"create table core.contact_point_consent as select * from (values "
                    f"('email:bob@qq.com', 'email', timestamp '2026-03-01 10:00:00', {str(bob_usable).lower()}), "
                    f"('email:ann@qq.com', 'email', timestamp '2026-03-02 10:00:00', true), "
                    f"('email:na@na.com', 'email', timestamp '2026-03-02 10:00:00', {str(junk_usable).lower()})"
                    f") as t(contact_point_key, channel, decided_at, is_usable)")


@pytest.mark.parametrize("bob_usable, junk_usable, failed", [
    (True, False, ["withdrawal_respected"]),
    (False, True, ["junk_never_usable"]),
    (False, False, []),
])
def test_consent_per_address_is_reconciled_with_the_ledger(tmp_path, bob_usable, junk_usable, failed):
    path = tmp_path / "w.duckdb"
    _warehouse(path, bob_usable, junk_usable)
    outcome = validate(path, [CONSENT_SUITE])[0]
    assert outcome.success is (not failed)
    assert [e.expectation for e in outcome.failed] == failed
    if failed:
        assert outcome.failed[0].unexpected_count == 1
        sample = outcome.failed[0].sample[0]  # the address, masked: raw emails never leave the warehouse
        assert {"withdrawal_respected": "email:b***@qq.com", "junk_never_usable": "email:n***@na.com"}[failed[0]] in sample
        assert "bob@qq.com" not in sample and "na@na.com" not in sample


EXPORTS_SUITE = next(s for s in SUITES if s.name == "mart_audience_exports_suite")
ANN_SHA = "sha256('ann@qq.com')"


def _audience_warehouse(path, fault: str | None):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema core; create schema marts")
        con.execute("create table core.contact_point_consent as select * from (values "
                    "('email:ann@qq.com', 'email', 'email', 'ann@qq.com', 'CUS-1', true), "
                    "('email:ann@qq.com', 'paid_social', 'email', 'ann@qq.com', 'CUS-1', true), "
                    "('email:bob@qq.com', 'email', 'email', 'bob@qq.com', 'CUS-2', true)"
                    ") as t(contact_point_key, channel, contact_point_type, contact_point, customer_key, is_usable)")
        con.execute("create table core.identity_junk_identifiers as select 'email:na@na.com' as identifier_key")
        con.execute("create table main.suppression_list (contact_point_key varchar, customer_key varchar)")
        con.execute("create table main.channel_contact_points as select * from (values "
                    "('email', 'address'), ('paid_social', 'sha256')) as t(channel, export_as)")
        con.execute("create table marts.mart_audience_members as select * from (values "
                    "('A', 'email', 'CUS-1', false), ('A', 'paid_social', 'CUS-1', false), ('A', 'email', 'CUS-2', true)"
                    ") as t(audience_name, channel, customer_key, is_control_group)")
        con.execute("create table marts.mart_audience_exclusions as select * from (values "
                    "('A', 'email', 'selected_treatment', 1), ('A', 'email', 'selected_control', 1), "
                    "('A', 'paid_social', 'selected_treatment', 1), ('A', 'email', 'no_consent', 5)"
                    ") as t(audience_name, channel, outcome, customers)")
        con.execute("create table marts.mart_audience_exports as select * from (values "
                    "('A', 'email', 'CUS-1', 'email', 'ann@qq.com', null), "
                    f"('A', 'paid_social', 'CUS-1', 'email', null, {ANN_SHA})"
                    ") as t(audience_name, channel, customer_key, contact_point_type, contact_point, "
                    "contact_point_sha256)")
        con.execute({
            None: "select 1",
            "consent": "update core.contact_point_consent set is_usable = false "
                       "where contact_point_key = 'email:ann@qq.com' and channel = 'email'",
            "control": "insert into marts.mart_audience_exports values ('A', 'email', 'CUS-2', 'email', 'bob@qq.com', null)",
            "hash_of_another_address": "update marts.mart_audience_exports set contact_point_sha256 = "
                                       "sha256('bob@qq.com') where channel = 'paid_social'",
            "suppressed": "insert into main.suppression_list values ('email:ann@qq.com', null)",
            "address_to_ad_platform": "update marts.mart_audience_exports set contact_point = 'ann@qq.com' "
                                      "where channel = 'paid_social'",
            "counts": "update marts.mart_audience_exclusions set customers = 2 where outcome = 'selected_control'",
        }[fault])


@pytest.mark.parametrize("fault, failed", [
    (None, set()),
    ("consent", {"member_holds_consent"}),
    ("hash_of_another_address", {"member_holds_consent"}),
    ("control", {"no_control_member_exported", "exclusion_counts_add_up"}),
    ("suppressed", {"no_suppressed_or_junk_address"}),
    ("address_to_ad_platform", {"ad_platforms_get_hashes_only"}),
    ("counts", {"exclusion_counts_add_up"}),
])
def test_a_bad_audience_export_is_blocked_by_name(tmp_path, fault, failed):
    path = tmp_path / "w.duckdb"
    _audience_warehouse(path, fault)
    outcome = validate(path, [EXPORTS_SUITE])[0]
    assert {e.expectation for e in outcome.failed} == failed
    assert outcome.success is (not failed)
    for expectation in outcome.failed:  # samples name audience, channel and customer, never an address
        assert not any("@qq.com" in row for row in expectation.sample)
