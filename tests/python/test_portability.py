"""The compiled SQL of the project, read as DuckDB and written as Trino by sqlglot: what another
engine would trip on, listed with its reason (README, "Running on Spark or PostgreSQL"; no Trino server
can be installed here, so this is a compile-level check, not a build), and DuckDB's fast accent folding
against the portable one the other engines use."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from conftest import REPO, Warehouse

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
    # sqlglot recurses once per level of nesting, and the address's standardisation nests the
    # 23 replaces of its abbreviations in a case (stg_crm__customers needs about 1,000 levels)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 5000))
    try:
        for path, sql in files.items():
            try:
                sqlglot.transpile(sql, read="duckdb", write="trino", unsupported_level=ErrorLevel.RAISE)
            except sqlglot.errors.SqlglotError as error:
                failures[path.name] = str(error).splitlines()[0]
                continue
            for tree in sqlglot.parse(sql, read="duckdb"):
                for node in tree.find_all(exp.Anonymous):
                    unknown.setdefault(node.name.lower(), set()).add(path.stem)
    finally:
        sys.setrecursionlimit(limit)
    assert failures == {}
    assert set(unknown) == set(DUCKDB_ONLY_FUNCTIONS), {name: sorted(paths)[:3] for name, paths in unknown.items()}


def test_duckdbs_fast_accent_folding_equals_the_portable_one() -> None:
    """DuckDB folds accents with strip_accents plus a short translate (fast); PostgreSQL and Spark
    with one long translate. Both give the same letters for every letter of the long list,
    precomposed (NFC) and decomposed (NFD)."""
    macros = (REPO / "macros" / "cross_db" / "fold_accents.sql").read_text()
    letters_from = re.search(r'letters_from = "([^"]*)"', macros).group(1)
    letters_to = re.search(r'letters_to   = "([^"]*)"', macros).group(1)
    short_from = re.search(r"set letters = '([^']*)'", macros).group(1)
    short_to = re.search(r"translate\(\{\{ col \}\}, '\{\{ letters \}\}', '([^']*)'\)", macros).group(1)
    assert "regexp_matches({{ col }}, '[{{ letters }}]')" in macros, "the translate runs where a letter is"
    assert len(short_from) == len(short_to) == 28
    marks = "".join(chr(c) for c in range(0x300, 0x370))
    assert len(letters_from) == len(letters_to) > 500
    words = [*letters_from, *(unicodedata.normalize("NFD", c) for c in letters_from), "José", "Søren Ångström"]
    con = duckdb.connect()
    portable = "translate(w, ?, ?)"
    fast = "strip_accents(case when regexp_matches(w, ?) then translate(w, ?, ?) else w end)"
    rows = con.execute(
        f"select w, {portable}, {fast} from unnest(?) as t (w)",
        [letters_from + marks, letters_to, f"[{short_from}]", short_from, short_to, words],
    ).fetchall()
    assert [(w, a, b) for w, a, b in rows if a != b] == []
    assert dict((w, a) for w, a, _ in rows)["Søren Ångström"] == "Soren Angstrom"


def test_u_sample_threshold_is_the_hex_prefix_of_the_share_kept(
    built_warehouse: tuple[Warehouse, subprocess.CompletedProcess],
) -> None:
    """Above identity_u_sample_pairs records, u keeps the records whose md5 starts below a
    threshold written as four hex digits by portable SQL (hex_digits): the digits Python writes
    for floor(sample * 16^4 / records), so about `sample` records are kept."""
    warehouse, _ = built_warehouse
    path = warehouse.work / "target" / "compiled" / "crm_warehouse" / "models" / "intermediate" / "customers"
    sql = (path / "int_customer_identity__u_probabilities.sql").read_text()
    match = re.search(r"when count\(\*\) <= (\d+) then 'g'\s+else (.*?)\s+end as below_hash", sql, re.S)
    assert match, "the threshold of u's record sample"
    sample, expression = int(match.group(1)), match.group(2)
    con = duckdb.connect()
    for records in [sample + 1, 2 * sample, 10_000_000, 65_536 * sample - 1, 123_456_789]:
        rendered = expression.replace("count(*)", str(records))
        assert con.execute(f"select {rendered}").fetchone()[0] == f"{sample * 65536 // records:04x}", records
    assert all(con.execute("select ? < 'g'", [f"{n:04x}"]).fetchone()[0] for n in (0, 0x9FFF, 0xFFFF))
