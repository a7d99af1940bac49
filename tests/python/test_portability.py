"""The compiled SQL of the project, read as DuckDB and written as Trino by sqlglot: what another
engine would trip on, listed with its reason (README, "Running on Spark or PostgreSQL"; no Trino server
can be installed here, so this is a compile-level check, not a build)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from conftest import Warehouse

# Functions sqlglot does not know and passes through unchanged: each would need a dispatch
# variant for Trino, as PostgreSQL got one (macros/cross_db/string_similarity.sql, customer_state.sql).
DUCKDB_ONLY_FUNCTIONS = {
    "damerau_levenshtein": "identity resolution's edit distance; no Trino built-in (PostgreSQL has a PL/pgSQL one)",
    "error": "stops a build with a message (raise_error); Trino's is fail()",
    "hash": "the state grid's row fingerprint; Trino has xxhash64() over varbinary",
    "nfc_normalize": "a name's display form in Unicode NFC (unicode_nfc); Trino's is normalize(x, NFC)",
    "strip_accents": "DuckDB's fast accent folding (fold_accents); elsewhere one translate, as Trino would",
}


def compiled_sql(warehouse: Warehouse) -> dict[Path, str]:
    root = warehouse.work / "target" / "compiled" / "crm_warehouse"
    return {path: path.read_text() for path in sorted(root.rglob("*.sql"))}


def test_every_compiled_statement_transpiles_to_trino(
    built_warehouse: tuple[Warehouse, subprocess.CompletedProcess],
) -> None:
    warehouse, result = built_warehouse
    assert result.returncode == 0
    files = compiled_sql(warehouse)
    assert len(files) > 400, "models, tests and analyses of the build"
    failures = {}
    unknown: dict[str, set[str]] = {}
    for path, sql in files.items():
        try:
            sqlglot.transpile(sql, read="duckdb", write="trino", unsupported_level=ErrorLevel.RAISE)
        except sqlglot.errors.SqlglotError as error:
            failures[path.name] = str(error).splitlines()[0]
            continue
        for tree in sqlglot.parse(sql, read="duckdb"):
            for node in tree.find_all(exp.Anonymous):
                unknown.setdefault(node.name.lower(), set()).add(path.stem)
    assert failures == {}
    assert set(unknown) == set(DUCKDB_ONLY_FUNCTIONS), {name: sorted(paths)[:3] for name, paths in unknown.items()}
