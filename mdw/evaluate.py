"""`mdw evaluate identity`: resolved customers scored against the generator's ground truth.

Pairwise scores over source records: a pair of records is predicted together when they have
the same customer_key, and truly together when they belong to the same person. Records without
a customer (identity_unmapped_records) count as singletons. A second row scores only the records
that carry a usable identifier. A third row is the ceiling of any resolver that links records on
exact identifiers: it links records through every identifier that, by the ground truth, belongs
to one person only (a perfect junk rule and nothing else), so the gap between it and the first
row is what the rules lose, and its distance from 1 is what the data does not tell. The baseline
joins records only on exactly the same normalised email.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class IdentityScores:
    records: int
    persons: int
    customers: int
    precision: float
    recall: float
    f1: float
    split_persons: int
    merged_customers: int

    def as_row(self, name: str) -> str:
        return (f"| {name} | {self.records:,} | {self.persons:,} | {self.customers:,} | {self.precision:.4f} | "
                f"{self.recall:.4f} | {self.f1:.4f} | {self.split_persons:,} | {self.merged_customers:,} |")


TABLE_HEADER = ("| method | records | true persons | predicted customers | precision | recall | F1 | "
                "persons split | customers merging persons |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")


def _scores(con: duckdb.DuckDBPyConnection, assignment_sql: str) -> IdentityScores:
    """assignment_sql yields (record_key, person_id, cluster_id) for every evaluated record."""
    con.execute(f"create or replace temp table _assign as {assignment_sql}")
    row = con.execute("""
        with cells as (select cluster_id, person_id, count(*) as n from _assign group by 1, 2),
        clusters as (select cluster_id, count(*) as n from _assign group by 1),
        persons as (select person_id, count(*) as n from _assign group by 1)
        select
            (select count(*) from _assign),
            (select count(*) from persons),
            (select count(*) from clusters),
            (select sum(n * (n - 1) / 2) from cells),
            (select sum(n * (n - 1) / 2) from clusters),
            (select sum(n * (n - 1) / 2) from persons),
            (select count(*) from (select person_id from cells group by 1 having count(*) > 1)),
            (select count(*) from (select cluster_id from cells group by 1 having count(*) > 1))
    """).fetchone()
    records, persons, clusters, tp, predicted, true = row[:6]
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return IdentityScores(records, persons, clusters, precision, recall, f1, row[6], row[7])


def _ceiling_labels(con: duckdb.DuckDBPyConnection) -> None:
    """temp table _ceiling(record_key, label): components of the graph of records and the
    identifiers whose records all belong to one true person, by minimum-label propagation. The
    dbt macro connected_components does the same inside a dbt run on a writable warehouse; the
    evaluation reads the warehouse read-only, so it propagates on temp tables here."""
    con.execute("""
        create temp table _own_edges as
        with edges as (
            select distinct e.record_key, e.identifier_key, r.person_id
            from intermediate.int_identity_edges_unpivoted as e
            inner join _records as r on e.record_key = r.record_key
        ),
        own as (select identifier_key from edges group by 1 having count(distinct person_id) = 1)
        select record_key, identifier_key from edges where identifier_key in (select identifier_key from own)
    """)
    con.execute("create temp table _ceiling as select distinct record_key, record_key as label from _own_edges")
    changed = 1
    while changed:
        con.execute("""
            create or replace temp table _next as
            with by_identifier as (
                select e.identifier_key, min(c.label) as label
                from _own_edges as e inner join _ceiling as c on e.record_key = c.record_key group by 1
            )
            select e.record_key, min(b.label) as label
            from _own_edges as e inner join by_identifier as b on e.identifier_key = b.identifier_key group by 1
        """)
        changed = con.execute("select count(*) from _next as n inner join _ceiling as c on n.record_key = c.record_key "
                              "where n.label <> c.label").fetchone()[0]
        con.execute("create or replace temp table _ceiling as select * from _next")


def evaluate_identity(warehouse: Path, truth: Path) -> dict[str, IdentityScores]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(f"""
            create temp table _truth as
            select source || '|' || "table" || '|' || record_id as record_key, person_id
            from read_parquet('{truth}')
        """)
        con.execute("""
            create temp table _records as
            select distinct r.record_key, t.person_id
            from intermediate.int_identity_records_normalised as r
            inner join _truth as t on r.record_key = t.record_key
        """)
        resolved = _scores(con, """
            select r.record_key, r.person_id, coalesce(m.customer_key, 'unmapped:' || r.record_key) as cluster_id
            from _records as r left join core.customer_source_map as m on r.record_key = m.record_key
        """)
        resolvable = _scores(con, """
            select r.record_key, r.person_id, m.customer_key as cluster_id
            from _records as r inner join core.customer_source_map as m on r.record_key = m.record_key
        """)
        _ceiling_labels(con)
        ceiling = _scores(con, """
            select r.record_key, r.person_id, coalesce(c.label, 'alone:' || r.record_key) as cluster_id
            from _records as r left join _ceiling as c on r.record_key = c.record_key
        """)
        baseline = _scores(con, """
            select r.record_key, r.person_id, coalesce(e.email, 'no-email:' || r.record_key) as cluster_id
            from _records as r
            left join (select record_key, min(email) as email from intermediate.int_identity_records_normalised
                       where email is not null group by 1) as e on r.record_key = e.record_key
        """)
    finally:
        con.close()
    return {"resolved": resolved, "resolved, mapped records only": resolvable,
            "ceiling (identifiers of one true person)": ceiling, "baseline (exact email)": baseline}


def print_report(results: dict[str, IdentityScores]) -> str:
    lines = [TABLE_HEADER, *(s.as_row(name) for name, s in results.items())]
    text = "\n".join(lines)
    print(text)
    return text
