"""How each blocking rule did on data with a truth: candidate pairs it found, true pairs among
them, true pairs no other rule found, and the share of all true pairs the union of the rules
keeps (a true pair no rule finds can never be merged, whatever the model learns).

Reads a built identity warehouse (intermediate.int_customer_identity__candidate_pairs and
__records) and a truth file such as the generator's truth/customer_records.parquet
(source_system, customer_id, person_id). The benchmark's identity step prints it after each of
its runs of this project's models.

    python -m crm_warehouse.identity_blocking WAREHOUSE.duckdb TRUTH.parquet
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crm_warehouse.db import one

RULE_FLAG = "is_found_by_"


@dataclass(frozen=True)
class RuleCount:
    """One blocking rule's pairs."""

    rule: str
    pairs: int
    true_pairs: int
    only_true_pairs: int


def rule_counts(con: duckdb.DuckDBPyConnection, truth: Path) -> tuple[list[RuleCount], int, int]:
    """Each rule's counts, the true pairs the candidates hold, and all true pairs of the truth."""
    flags = [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'intermediate' "
            "and table_name = 'int_customer_identity__candidate_pairs' and column_name like ? "
            "order by ordinal_position",
            [RULE_FLAG + "%"],
        ).fetchall()
    ]
    con.execute(
        "create or replace temp table truth_records as select r.record_id, t.person_id "
        "from intermediate.int_customer_identity__records as r "
        "inner join read_parquet(?) as t using (source_system, customer_id)",
        [str(truth)],
    )
    found_by = " + ".join(f"{flag}::int" for flag in flags)
    counts = ", ".join(
        f"count(*) filter ({f}), count(*) filter ({f} and is_true), count(*) filter ({f} and is_true and rules = 1)"
        for f in flags
    )
    row = one(
        con.execute(
            f"""
            with pairs as (
                select p.*, a.person_id = b.person_id as is_true, {found_by} as rules
                from intermediate.int_customer_identity__candidate_pairs as p
                inner join truth_records as a on p.record_id_a = a.record_id
                inner join truth_records as b on p.record_id_b = b.record_id
            )
            select count(*) filter (is_true), {counts} from pairs
            """
        )
    )
    all_true = one(
        con.execute(
            "select coalesce(sum(n * (n - 1) // 2), 0) from "
            "(select count(*) as n from truth_records group by person_id)"
        )
    )[0]
    rules = [RuleCount(flag.removeprefix(RULE_FLAG), *row[1 + 3 * i : 4 + 3 * i]) for i, flag in enumerate(flags)]
    return rules, int(row[0]), int(all_true)


def report(warehouse: Path, truth: Path) -> str:
    """The per-rule table and the union's share of the true pairs, as printable text."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rules, kept, all_true = rule_counts(con, truth)
    finally:
        con.close()
    lines = [f"  {'blocking rule':<30} {'pairs':>12} {'true pairs':>11} {'only this rule':>15}"]
    lines += [f"  {r.rule:<30} {r.pairs:>12,} {r.true_pairs:>11,} {r.only_true_pairs:>15,}" for r in rules]
    share = kept / all_true if all_true else 1.0
    lines.append(f"  the rules together keep {kept:,} of {all_true:,} true pairs ({share:.4f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path, help="a warehouse with the identity models built")
    parser.add_argument("truth", type=Path, help="(source_system, customer_id, person_id) per record")
    args = parser.parse_args(argv)
    for path in (args.warehouse, args.truth):
        if not path.is_file():
            parser.error(f"{path} does not exist")
    print(report(args.warehouse, args.truth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
