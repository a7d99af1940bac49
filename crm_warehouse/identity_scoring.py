"""Pairwise precision, recall and F1 of an identity assignment against the true persons.

An assignment gives each source record (source_system, customer_id) a cluster: the customer_key
of marts.customer_identity_map, or the cluster_id of the Splink reference. The truth is a file
like the generator's truth/customer_records.parquet: (source_system, customer_id, person_id).
Pairs are counted from group sizes, as tests/python/test_identity_and_quality.py does: a group
of n records holds n(n-1)/2 pairs; the true positives are the pairs in the same cluster and of
the same person. Records missing from the truth are left out.

    python -m crm_warehouse.identity_scoring ASSIGNMENT.parquet TRUTH.parquet [--cluster-column C]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crm_warehouse.db import one


@dataclass(frozen=True)
class Scores:
    """Pair counts and the measures drawn from them."""

    records: int
    true_pairs: int
    predicted_pairs: int
    true_positive_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def score_relation(
    con: duckdb.DuckDBPyConnection, relation: str, truth: Path, cluster_column: str = "cluster_id"
) -> Scores:
    """Scores of `relation` (a table name or a parenthesised query holding source_system,
    customer_id and the cluster column) against the truth file."""
    pairs = "sum(n * (n - 1) // 2)"
    row = one(
        con.execute(
            f"""
            with resolved as (
                select cast(a.{cluster_column} as varchar) as cluster, t.person_id
                from {relation} as a
                inner join read_parquet(?) as t
                    on t.source_system = a.source_system and t.customer_id = a.customer_id
            )
            select
                (select count(*) from resolved),
                (select coalesce({pairs}, 0) from (select count(*) as n from resolved group by person_id)),
                (select coalesce({pairs}, 0) from (select count(*) as n from resolved group by cluster)),
                (select coalesce({pairs}, 0) from (select count(*) as n from resolved group by cluster, person_id))
            """,
            [str(truth)],
        )
    )
    return Scores(*(int(value) for value in row))


def score_file(assignment: Path, truth: Path, cluster_column: str = "cluster_id") -> Scores:
    """Scores of an assignment Parquet file (source_system, customer_id, cluster column)."""
    con = duckdb.connect()
    try:
        relation = f"read_parquet('{assignment.as_posix().replace(chr(39), chr(39) * 2)}')"
        return score_relation(con, relation, truth, cluster_column)
    finally:
        con.close()


def table_header() -> str:
    return (
        f"{'method':<10} {'records':>9} {'true pairs':>11} {'found pairs':>11} "
        f"{'precision':>9} {'recall':>7} {'F1':>7} {'wall s':>8}"
    )


def table_row(method: str, scores: Scores, seconds: float | None) -> str:
    wall = f"{seconds:8.1f}" if seconds is not None else f"{'-':>8}"
    return (
        f"{method:<10} {scores.records:>9,} {scores.true_pairs:>11,} {scores.predicted_pairs:>11,} "
        f"{scores.precision:>9.4f} {scores.recall:>7.4f} {scores.f1:>7.4f} {wall}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", type=Path, help="Parquet file: source_system, customer_id, cluster column")
    parser.add_argument("truth", type=Path, help="Parquet file: source_system, customer_id, person_id")
    parser.add_argument("--cluster-column", default="cluster_id", help="the cluster column (default cluster_id)")
    args = parser.parse_args(argv)
    scores = score_file(args.assignment, args.truth, args.cluster_column)
    print(table_header())
    print(table_row(args.assignment.stem, scores, None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
