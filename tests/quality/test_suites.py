"""The customer 360 suite on hand-made tables: a withdrawn consent that the dimension ignores is
caught by name, with the customer in the sample; the same data with consent respected passes."""

import duckdb
import pytest

from expectations.engine import validate
from expectations.suites import SUITES

DIM_SUITE = next(s for s in SUITES if s.name == "dim_customers_suite")


def _warehouse(path, dim_consent: bool):
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging; create schema core")
        # the CRM's latest version of contact C1 withdrew consent on 2026-03-05
        con.execute("create table staging.stg_crm__contacts as select * from (values "
                    "('C1', false, timestamp '2026-03-05 10:00:00'), ('C2', true, timestamp '2026-03-01 10:00:00')"
                    ") as t(contact_id, has_marketing_consent, consent_updated_at)")
        con.execute(f"create table core.dim_customers as select * from (values "
                    f"('CUS-1', 'C1', {str(dim_consent).lower()}, timestamp '2026-03-01 10:00:00'), "
                    f"('CUS-2', 'C2', true, timestamp '2026-03-01 10:00:00')"
                    f") as t(customer_key, primary_crm_contact_id, has_marketing_consent, marketing_consent_updated_at)")
        con.execute("create table core.identity_key_registry as select 'CUS-' || (i % 2 + 1) as customer_key "
                    "from range(10) as r(i)")


@pytest.mark.parametrize("dim_consent, passes", [(True, False), (False, True)])
def test_withdrawn_consent_must_reach_the_customer_dimension(tmp_path, dim_consent, passes):
    path = tmp_path / "w.duckdb"
    _warehouse(path, dim_consent)
    outcome = validate(path, [DIM_SUITE])[0]
    assert outcome.success is passes
    if not passes:
        assert [e.expectation for e in outcome.failed] == ["withdrawn_consent_respected"]
        assert outcome.failed[0].unexpected_count == 1
        assert "CUS-1" in outcome.failed[0].sample[0]
