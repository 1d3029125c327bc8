"""`mdw evaluate identity` on a hand-made warehouse with known pairwise scores."""

import duckdb
import pytest

from mdw.evaluate import evaluate_identity

# record -> (true person, identifiers, customer the resolver gave it)
RECORDS = {
    "R1": (1, ["email:a@qq.com", "phone:+8613800000001"], "K1"),
    "R2": (1, ["phone:+8613800000001"], "K1"),
    "R3": (1, ["wechat:unbound"], "K2"),  # shares nothing with the rest of person 1
    "R4": (2, ["email:x@test.com", "phone:+8613800000002"], "K3"),
    "R5": (3, ["email:x@test.com"], "K3"),  # a placeholder the resolver wrongly merged on
    "R6": (4, [], None),  # no identifier: unmapped
}


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema intermediate; create schema core")
        con.execute("create table intermediate.int_identity_records_normalised (record_key varchar, email varchar)")
        con.execute("create table intermediate.int_identity_edges_unpivoted (record_key varchar, identifier_key varchar)")
        con.execute("create table core.customer_source_map (record_key varchar, customer_key varchar)")
        con.execute("create table truth (source varchar, \"table\" varchar, record_id varchar, person_id bigint)")
        for record, (person, identifiers, customer) in RECORDS.items():
            key = f"orders|orders|{record}"
            email = next((i.split(":", 1)[1] for i in identifiers if i.startswith("email:")), None)
            con.execute("insert into intermediate.int_identity_records_normalised values (?, ?)", [key, email])
            for identifier in identifiers:
                con.execute("insert into intermediate.int_identity_edges_unpivoted values (?, ?)", [key, identifier])
            if customer:
                con.execute("insert into core.customer_source_map values (?, ?)", [key, customer])
            con.execute("insert into truth values ('orders', 'orders', ?, ?)", [record, person])
        con.execute(f"copy truth to '{tmp_path / 'identity.parquet'}' (format parquet)")
    return path


def test_scores_against_known_answers(warehouse):
    scores = evaluate_identity(warehouse, warehouse.parent / "identity.parquet")
    # three true pairs, all in person 1: R1-R2, R1-R3, R2-R3
    resolved = scores["resolved"]
    assert (resolved.records, resolved.persons, resolved.customers) == (6, 4, 4)
    assert resolved.precision == pytest.approx(1 / 2)  # R1-R2 right, R4-R5 wrong
    assert resolved.recall == pytest.approx(1 / 3)
    assert (resolved.split_persons, resolved.merged_customers) == (1, 1)
    # the ceiling links only on identifiers of one true person: R1-R2, never R4-R5
    ceiling = scores["ceiling (identifiers of one true person)"]
    assert ceiling.customers == 5
    assert (ceiling.precision, ceiling.recall) == (1.0, pytest.approx(1 / 3))
    assert ceiling.merged_customers == 0
    # exact email joins only R4 and R5, a wrong pair
    baseline = scores["baseline (exact email)"]
    assert (baseline.precision, baseline.recall) == (0.0, 0.0)
    mapped = scores["resolved, mapped records only"]
    assert (mapped.records, mapped.customers) == (5, 3)
