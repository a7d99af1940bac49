"""Shared fixtures: generated data sets and warehouses, each in its own temporary folder.

Nothing here touches the user's warehouse.duckdb: every build gets a fresh DuckDB file and
its own dbt target and log folders, so tests can run beside a BI tool or another build.
"""

from __future__ import annotations

import decimal
import fcntl
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from crm_warehouse import generate_data, load_raw
from dbt_commands import dbt_in_process, parse_key, reuse_parse

REPO = Path(__file__).resolve().parents[2]

# `dbt build --exclude *NO_TESTS`: models and seeds without the data and unit tests,
# for tests that compare results (the full build with every test runs in built_warehouse).
NO_TESTS = ("resource_type:test", "resource_type:unit_test")


# Engine comparisons (tests/engines): columns that say when a build ran or a batch was loaded
# (each engine's data is loaded on its own), not what was computed, and the per-customer columns
# that must be identical on every engine.
BUILD_TIME_COLUMNS = {"recorded_at", "batch_loaded_at"}
PER_CUSTOMER = {
    "customer_profitability": ["profit_decile"],
    "customer_segments": ["abc_class", "is_strategic", "is_loss_making", "rfm_segment"],
    "customer_lifecycle": ["lifecycle_stage", "tenure_band", "acquisition_cohort_month"],
    "customer_loyalty_tiers": ["loyalty_tier"],
}

# Small enough for CI, large enough that every defect kind is planted many times.
SMALL = {"customers": 3000, "lines": 30000, "seed": 7}


@dataclass(frozen=True)
class DataSet:
    path: Path

    @property
    def summary(self) -> dict:
        return json.loads((self.path / "truth" / "summary.json").read_text())


def generate(out: Path, customers: int, lines: int, seed: int, *extra: str) -> DataSet:
    code = generate_data.main(
        ["--out", str(out), "--customers", str(customers), "--lines", str(lines), "--seed", str(seed), *extra]
    )
    assert code == 0
    return DataSet(out)


@dataclass
class Warehouse:
    path: Path
    work: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params: list | None = None):
        return self.query(sql, params)[0][0]

    def records(self, sql: str, params: list | None = None) -> list[dict]:
        """The rows of a query as dicts by column name."""
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            cursor = con.execute(sql, params or [])
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            con.close()

    def copy_to(self, work: Path) -> Warehouse:
        """A copy of this warehouse in another folder, to change without touching the original."""
        work.mkdir(parents=True, exist_ok=True)
        copy = Warehouse(work / "warehouse.duckdb", work)
        shutil.copy(self.path, copy.path)
        return copy

    def execute(self, *statements: str) -> None:
        """Change the warehouse directly (to set up a case), in one connection."""
        con = duckdb.connect(str(self.path))
        try:
            for statement in statements:
                con.execute(statement)
        finally:
            con.close()

    def dbt(self, *args: str, vars: dict | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run dbt against this warehouse with its own target and log folders (and, for another
        engine's target, that engine's settings in env).

        dbt runs in the work folder and finds the warehouse by its path from there, so builds of
        different folders have the same profile and can start from one parse of the project (see
        `reuse_parse`): what partial parsing gives a user who builds twice."""
        self.work.mkdir(parents=True, exist_ok=True)
        engine = {"CRM_WAREHOUSE_PATH": os.path.relpath(self.path, self.work), **(env or {})}
        # dbt's log file only at warn level unless asked (DBT_LOG_LEVEL_FILE=debug): writing every
        # debug event of a build costs about a twentieth of its CPU, and what a failed command
        # said is in its output
        quiet_log = {"DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", "warn")}
        env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_PROFILES_DIR": str(REPO), **quiet_log, **engine}
        command = [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--project-dir",
            str(REPO),
            "--target-path",
            str(self.work / "target"),
            "--log-path",
            str(self.work / "logs"),
        ]
        if vars:
            command += ["--vars", json.dumps(vars)]
        with reuse_parse(self.work / "target", parse_key(vars, engine)):
            # other engines' targets (a Spark session, a server) run as processes of their own
            if os.environ.get("CRM_TEST_DBT_SUBPROCESS") or "--target" in args:
                return subprocess.run(command, env=env, capture_output=True, text=True, cwd=self.work, check=False)
            return dbt_in_process(command, env, self.work)

    def fingerprint(self) -> list[tuple]:
        """Tables, columns, row counts and a content hash of every raw table."""
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            tables = con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
            result = []
            for (table,) in tables:
                columns = con.execute(
                    "select list(column_name || ':' || data_type order by ordinal_position) "
                    "from information_schema.columns where table_schema = 'raw' and table_name = ?",
                    [table],
                ).fetchone()[0]
                rows, content = con.execute(f'select count(*), sum(hash(t)) from raw."{table}" as t').fetchone()
                result.append((table, tuple(columns), rows, content))
            return result
        finally:
            con.close()


def plain(result: subprocess.CompletedProcess) -> str:
    """A command's output without the colour codes dbt prints."""
    return re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)


def script(*command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """One of the project's Python commands (scripts/X.py), run from the repo like a user would."""
    return subprocess.run(
        [sys.executable, *command],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1", **(env or {})},
    )


def keyed(rows: list[tuple]) -> dict[tuple, list]:
    """Rows by their values other than floats (a float is compared with a tolerance, not as a key)."""
    by_key: dict[tuple, list] = {}
    for row in rows:
        key = tuple(None if isinstance(v, float) else repr(v) for v in row)
        by_key.setdefault(key, []).append(row)
    return by_key


def same_value(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(left) and math.isnan(right))
    if isinstance(left, decimal.Decimal) and isinstance(right, decimal.Decimal):
        return left == right
    return left == right


def row_differences(columns: list[str], ours: list[tuple], theirs: list[tuple]) -> str | None:
    """What differs between one table's rows on two engines (floats compared with a tolerance),
    or None when they are the same rows."""
    mine, others = keyed(ours), keyed(theirs)
    if set(mine) != set(others):
        only = set(mine) ^ set(others)
        return f"{len(only)} rows only on one engine, e.g. " + repr(next(iter(only)))[:300]
    for key, rows in mine.items():
        for left, right in zip(sorted(rows, key=repr), sorted(others[key], key=repr), strict=True):
            bad = [c for c, a, b in zip(columns, left, right, strict=True) if not same_value(a, b)]
            if bad:
                return f"{bad} differ: {left} vs {right}"[:300]
    return None


def name_pairs(data: DataSet) -> tuple[list[tuple], list[tuple]]:
    """Pairs of strings to compare an engine's Jaro-Winkler and Damerau-Levenshtein with
    DuckDB's: every pair of last names that share a postal code in the data set (the pairs
    identity resolution compares), 3,000 pairs of random strings with multi-byte characters,
    capitals, spaces and empty strings (both functions count bytes), and nulls. Returns the
    pairs and DuckDB's (n, similarity, distance) of each, n the pair's position."""
    customers = data.path / "customers.parquet"
    con = duckdb.connect()
    try:
        names = con.execute(
            f"select distinct a.last_name, b.last_name from '{customers}' as a "
            f"inner join '{customers}' as b on a.postal_code = b.postal_code "
            "where a.last_name is not null and b.last_name is not null"
        ).fetchall()
        rng = random.Random(5)
        letters = "aAbcé Åöß-"
        names += [
            (
                "".join(rng.choice(letters) for _ in range(rng.randint(0, 9))),
                "".join(rng.choice(letters) for _ in range(rng.randint(0, 9))),
            )
            for _ in range(3000)
        ]
        names += [(None, "x"), ("x", None)]
        con.execute("create table pairs (n integer, a varchar, b varchar)")
        con.executemany("insert into pairs values (?, ?, ?)", [(n, a, b) for n, (a, b) in enumerate(names)])
        expected = con.execute(
            "select n, jaro_winkler_similarity(a, b), damerau_levenshtein(a, b) from pairs order by n"
        ).fetchall()
    finally:
        con.close()
    assert len(names) > 4000
    return names, expected


def build_twice(warehouse: Warehouse, initial: Path, batch: Path, engine: dict) -> float:
    """Load and build, then append the daily batch and build again (the incremental models'
    second path), on DuckDB or (engine: the load and dbt options, vars and environment) another
    engine; engine["after_build"](warehouse, step), when given, runs after each build (as part of
    it); engine["first_build"], when given, are options of the first build only (another engine
    may run its tests once, on the final state). Returns the wall time of the first build."""
    env, options = engine.get("env"), engine.get("options", [])
    seconds = 0.0
    for step, folder in (("initial", initial), ("batch", batch)):
        append = ["--append"] if step == "batch" else []
        loaded = script(
            "scripts/load_raw.py",
            str(folder),
            "--warehouse",
            str(warehouse.path),
            *append,
            *engine.get("load", []),
            env=env,
        )
        assert loaded.returncode == 0, loaded.stderr
        started = time.perf_counter()
        first = engine.get("first_build", []) if step == "initial" else []
        built = warehouse.dbt("build", *options, *first, vars=engine.get("vars"), env=env)
        assert built.returncode == 0, f"{step}: {plain(built)[-6000:]}"
        if "after_build" in engine:
            engine["after_build"](warehouse, step)
        seconds = seconds or time.perf_counter() - started
    return seconds


def backfill_after_the_first_build(
    *extra: str, env: dict | None = None, leave_unrecorded: bool = False
) -> Callable[[Warehouse, str], None]:
    """An after_build of build_twice: what `make run` does after its build, the segment history of
    every month-end recorded afresh by scripts/backfill_history.py (on the engine of extra, e.g.
    --target spark); the build after the batch then records its own as-of date. leave_unrecorded:
    then the state changes alone write the first build's as-of date, which the ledger never
    records (as a run that fails part-way leaves them); the build after the batch, with a later
    as-of date, must remove them (on Spark, drop their partition), or its history differs from
    DuckDB's."""

    def record(warehouse: Warehouse, step: str) -> None:
        if step == "initial":
            command = ["scripts/backfill_history.py", "--rebuild", "--warehouse", str(warehouse.path), *extra]
            paths = {"DBT_TARGET_PATH": str(warehouse.work / "target"), "DBT_LOG_PATH": str(warehouse.work / "logs")}
            recorded = script(*command, env={**(env or {}), **paths})
            assert recorded.returncode == 0, plain(recorded)[-3000:]
            assert "segment history: recording" in recorded.stdout
            if leave_unrecorded:
                alone = warehouse.dbt("run", *extra, "--select", "int_segment_history__state_changes", env=env)
                assert alone.returncode == 0, plain(alone)[-3000:]
                assert "segment history: recording 1 date(s)" in alone.stdout, plain(alone)[-3000:]

    return record


def load(data: Path, warehouse: Path, append: bool = False) -> list[str]:
    return load_raw.load(data, warehouse, append)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project parsed by `dbt parse` into a temporary folder: dbt's manifest."""
    work = tmp_path_factory.mktemp("parse")
    result = Warehouse(work / "unused.duckdb", work).dbt("parse")
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((work / "target" / "manifest.json").read_text())


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    return generate(tmp_path_factory.mktemp("small") / "raw", **SMALL)


@pytest.fixture(scope="session")
def built_warehouse(
    tmp_path_factory: pytest.TempPathFactory, small_data: DataSet, worker_id: str
) -> tuple[Warehouse, subprocess.CompletedProcess]:
    """The small data set loaded and built with `dbt build` (all models, seeds and tests), once
    for all pytest workers: the first to need it builds it while the others wait on a file lock,
    then all read it (many DuckDB readers are allowed). Tests that change it work on a copy."""
    if worker_id == "master":  # one process: a folder of its own
        shared = tmp_path_factory.mktemp("built")
    else:  # the folder of this pytest run that all its workers share
        shared = tmp_path_factory.getbasetemp().parent / "built"
        shared.mkdir(exist_ok=True)
    warehouse = Warehouse(shared / "warehouse.duckdb", shared)
    outcome = shared / "build.json"
    with open(shared / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not outcome.exists():
                load(small_data.path, warehouse.path)
                result = warehouse.dbt("build")
                outcome.write_text(json.dumps([result.args, result.returncode, result.stdout, result.stderr]))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return warehouse, subprocess.CompletedProcess(*json.loads(outcome.read_text()))


@pytest.fixture()
def loaded_warehouse(tmp_path: Path, small_data: DataSet) -> Warehouse:
    """A fresh warehouse with the small data set in raw (no dbt)."""
    warehouse = Warehouse(tmp_path / "warehouse.duckdb", tmp_path)
    load(small_data.path, warehouse.path)
    return warehouse


# The files with the most dbt builds, slowest first: pytest-xdist hands whole files to its
# workers in collection order, so starting with the long ones lets the workers finish together
# instead of one running the README walk-through alone at the end.
SLOWEST_FIRST = (
    "test_readme.py",
    "test_history.py",
    "test_publish.py",
    "test_identity_and_quality.py",
    "test_identity_model.py",
    "test_incremental.py",
    "test_dbt_build.py",
    "test_campaign_lift.py",
    "test_data_shapes.py",
    "test_campaigns.py",
    "test_lifecycle.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: the tests of a file keep their order
