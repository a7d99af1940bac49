"""No model makes DuckDB compare every row of one large input with every row of another.

A join DuckDB cannot hash runs as a nested loop: fine when one side is a seed of bands, ruinous
when both are large. It happens by accident: a left join whose ON clause also tests a column of
the kept side alone (`on a.kind = 'x' and a.key = b.key`) is planned as a blockwise nested loop
over both inputs, equality and all (DuckDB issues 10387 and 13718). That one condition cost 300
s of a 20M-line build in the CLV summary, and a second or two at test size, unnoticed. So every
model's compiled SQL is planned here (EXPLAIN) on the built test warehouse; a model whose plan
has a blockwise nested loop is run once more with EXPLAIN ANALYZE, and fails when both inputs
of that loop had more than SMALL_SIDE rows. (The planner's estimates alone cannot judge it: it
estimated the CLV loop's inputs at 41 and 0 rows; they had 923 and 3,301.) The range joins to
the month-end dates are nested loops by design and are not this test's business. What it
cannot see: the incremental branches of incremental models (the build compiles their first,
full run), the Python models, and a loop whose input is empty at test size. The two expected
loops below (the lifecycle's tenure bands; the example's) are what DuckDB 1.5.5 plans: a
DuckDB that hashes such joins would change them, and the test says so by failing."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from conftest import Warehouse

Built = tuple[Warehouse, subprocess.CompletedProcess]
LOOP = "BLOCKWISE_NL_JOIN"
# the most rows the smaller input of a blockwise loop may have: a seed of bands or tiers is far
# below it; the test data's customers (3,000) far above
SMALL_SIDE = 500


def loops(node: dict) -> list[tuple[int, int]]:
    """The rows of both inputs of every blockwise nested-loop join in an analysed plan."""
    found = []
    if (node.get("operator_name") or node.get("name") or "").strip() == LOOP:
        found.append(tuple(child.get("operator_cardinality", 0) for child in node["children"]))
    for child in node.get("children", []):
        found.extend(loops(child))
    return found


def planned_loop(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
    """Whether DuckDB plans a blockwise nested-loop join for the query (EXPLAIN, not run)."""
    return LOOP in "\n".join(row[1] for row in con.execute("explain " + sql).fetchall())


def analysed_loops(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[int, int]]:
    """The query run with EXPLAIN ANALYZE: the actual rows into each blockwise loop."""
    return loops(json.loads(con.execute("explain (analyze, format json) " + sql).fetchall()[0][1]))


def test_no_model_loops_over_two_large_inputs(built_warehouse: Built) -> None:
    warehouse, result = built_warehouse
    assert result.returncode == 0
    root = warehouse.work / "target" / "compiled" / "crm_warehouse" / "models"
    # the models' own SQL: generic and unit tests compile into folders named after their .yml
    models = [
        path
        for path in sorted(root.rglob("*.sql"))
        if not any(part.endswith(".yml") for part in path.relative_to(root).parts)
    ]
    assert len(models) > 60, "the build's compiled models"
    offenders, analysed = [], []
    con = duckdb.connect(str(warehouse.path), read_only=True)
    try:
        for path in models:
            sql = path.read_text()
            if planned_loop(con, sql):
                analysed.append(path.stem)
                offenders += [
                    f"{path.stem}: {a:,} x {b:,} rows" for a, b in analysed_loops(con, sql) if min(a, b) > SMALL_SIDE
                ]
    finally:
        con.close()
    # the lifecycle's tenure bands (a seed of six ranges) are the one loop by design
    assert "int_customer_state__lifecycle" in analysed
    assert not offenders, "blockwise nested-loop joins over two large inputs:\n" + "\n".join(offenders)


def test_the_check_catches_a_kept_side_condition_in_a_left_join(tmp_path: Path) -> None:
    """The pattern that slowed the CLV summary, on two tables of a few thousand rows: the check
    above catches it, and it is gone once the condition leaves the ON clause."""
    con = duckdb.connect(str(tmp_path / "plans.duckdb"))
    try:
        con.execute("create table periods as select i % 2 = 0 as is_calibration, i % 3000 as k from range(6000) t(i)")
        con.execute("create table holdout as select i as k, 1 as n from range(3000) t(i)")
        query = "select * from periods left join holdout on {}"
        looped = query.format("periods.is_calibration and periods.k = holdout.k")
        hashed = query.format("periods.k = holdout.k")
        assert planned_loop(con, looped) and analysed_loops(con, looped) == [(6000, 3000)]
        assert not planned_loop(con, hashed) and analysed_loops(con, hashed) == []
    finally:
        con.close()
