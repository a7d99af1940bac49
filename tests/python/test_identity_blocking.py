"""The blocking report on a hand-made warehouse: five records of two persons and a stranger,
three candidate pairs found by two rules, counts worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb

from crm_warehouse.identity_blocking import RuleCount, report, rule_counts


def build(tmp_path: Path) -> tuple[Path, Path]:
    """Persons 1 (records a, b, c) and 2 (d) and 3 (e): true pairs a-b, a-c, b-c.
    Candidates: a-b by email and postal code, a-c by postal code only, d-e (strangers) by email."""
    warehouse, truth = tmp_path / "w.duckdb", tmp_path / "truth.parquet"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_customer_identity__records as "
        "select 's:' || id as record_id, 's' as source_system, id as customer_id "
        "from (values ('a'), ('b'), ('c'), ('d'), ('e')) as r(id)"
    )
    con.execute(
        "create table intermediate.int_customer_identity__candidate_pairs as select * from (values "
        "('s:a', 's:b', true, true), ('s:a', 's:c', false, true), ('s:d', 's:e', true, false)) "
        "as p(record_id_a, record_id_b, is_found_by_email, is_found_by_postal_code)"
    )
    con.execute(
        f"copy (select * from (values ('s', 'a', 1), ('s', 'b', 1), ('s', 'c', 1), ('s', 'd', 2), ('s', 'e', 3)) "
        f"as t(source_system, customer_id, person_id)) to '{truth}' (format parquet)"
    )
    con.close()
    return warehouse, truth


def test_each_rule_is_counted_against_the_truth(tmp_path: Path) -> None:
    warehouse, truth = build(tmp_path)
    con = duckdb.connect(str(warehouse), read_only=True)
    rules, kept, all_true = rule_counts(con, truth)
    con.close()
    assert rules == [RuleCount("email", 2, 1, 0), RuleCount("postal_code", 2, 2, 1)]
    assert (kept, all_true) == (2, 3)


def test_the_report_says_what_share_of_true_pairs_the_rules_keep(tmp_path: Path) -> None:
    text = report(*build(tmp_path))
    assert "the rules together keep 2 of 3 true pairs (0.6667)" in text
    assert text.splitlines()[1].split() == ["email", "2", "1", "0"]
