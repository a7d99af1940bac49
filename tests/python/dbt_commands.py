"""How the test suite runs dbt: in this process through dbtRunner (saving a Python start and
dbt's import for each command), and from an earlier command's parse of the project."""

from __future__ import annotations

import atexit
import gc
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path


def dbt_in_process(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """A dbt command run in this process through dbt's programmatic entry point (dbtRunner), with
    the environment and working folder it would have as a process, as the same command's
    CompletedProcess: the return code dbt's CLI gives (0 ok, 1 failed nodes, 2 an error) and
    what it prints (each event's message at info level or above, with its time, as the CLI
    does). It saves starting Python and importing dbt for each of the suite's dbt commands,
    about 2.5 s of CPU each. Set CRM_TEST_DBT_SUBPROCESS=1 to run them as processes instead."""
    from dbt.cli.main import dbtRunner

    lines: list[str] = []

    def collect(event) -> None:  # noqa: ANN001 - dbt's EventMsg
        if event.info.level != "debug":
            lines.append(f"{event.info.ts.ToDatetime():%H:%M:%S}  {event.info.msg}")

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        result = dbtRunner(callbacks=[collect]).invoke(command[1:])
    finally:
        release_warehouse()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    code = 0 if result.success else (1 if result.exception is None else 2)
    error = "" if result.exception is None else f"{type(result.exception).__name__}: {result.exception}"
    return subprocess.CompletedProcess(command, code, stdout="\n".join(lines) + "\n", stderr=error)


def entry_point_in_process(
    main: Callable[[list[str]], int], script: str, argv: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess:
    """One of the project's commands (the entry point `main` of scripts/`script`) run in this
    process as dbt_in_process runs dbt: with the environment and working folder it would have
    as a process, its printed output captured, the return code a process would give (argparse's
    2 for a misuse). A command that runs dbt (the backfill) saves starting Python and importing
    dbt. With CRM_TEST_DBT_SUBPROCESS=1 it runs as a process, like the dbt commands."""
    if os.environ.get("CRM_TEST_DBT_SUBPROCESS"):
        command = [sys.executable, str(Path(__file__).resolve().parents[2] / "scripts" / script), *argv]
        return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:  # what the interpreter makes of sys.exit(code)
                code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)
    finally:
        release_warehouse()
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(argv, code, stdout=out.getvalue(), stderr=err.getvalue())


def release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open for the process after a command, so this
    process (a test reading the warehouse read-only) or another can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()
    gc.collect()


_PARSES: dict[tuple[str, ...], Path] = {}


def parse_key(vars: dict | None, engine: dict[str, str]) -> tuple[str, ...]:
    """What makes dbt parse afresh: the vars and the settings of the profile (reuse_parse)."""
    return json.dumps(vars), json.dumps(engine, sort_keys=True)


@contextmanager
def reuse_parse(target: Path, key: tuple[str, ...]) -> Iterator[None]:
    """Start a dbt command from the parse of an earlier one with the same profile, vars and
    environment (dbt's partial_parse.msgpack), and keep this one's parse for the next.

    The file is dbt's own partial-parsing state: dbt checks it against the project's files, the
    vars and the profile, and parses afresh whatever differs, so a changed project, other vars or
    another warehouse path are never served a stale parse; it only skips parsing again what is
    unchanged (about 5 of the 8 s every dbt command here would otherwise spend parsing)."""
    state = target / "partial_parse.msgpack"
    if key in _PARSES and not state.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(_PARSES[key], state)
    yield
    if key not in _PARSES and state.exists():
        kept = Path(tempfile.mkdtemp(prefix="dbt-parse-"))
        atexit.register(shutil.rmtree, kept, ignore_errors=True)
        _PARSES[key] = Path(shutil.copy(state, kept))
