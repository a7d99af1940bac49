#!/usr/bin/env python3
"""Benchmark generate, load, build and test at one or more data sizes, against baselines.

Each step runs as its own process in a scratch folder (never the user's warehouse); its wall
time and its peak resident memory (from the kernel's accounting of that one child) are
printed and appended to a CSV file. Speed targets are judged here, not in timed tests.

Two baselines do the core customer marts' work on the same raw files (scripts/baselines.py):
`floor`, plain DuckDB SQL, and `pandas`, a notebook's way. Speeds are reported as ratios to
them, measured in the same run, because the machine is noisy: build + test against the floor
and against pandas. The build includes the customer state of every month-end (the state grid);
its own time is printed from dbt's run results. `history` records every month-end of the data
in the segment history (one pass over the grid). `incremental` measures a daily load: the
last 1% of the lines (by transaction time) are held back from `load` and appended afterwards,
then `dbt build` runs again; its time is printed as a share of the full build.

    scripts/benchmark.py --lines 1000000 20000000 --out benchmarks/results.csv
    scripts/benchmark.py --lines 1000000 \
        --steps generate load build test floor pandas history publish report incremental

`publish` copies the marts to the serving copy BI tools open (shown as a share of the build);
`report` writes the HTML report from it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from crm_warehouse.db import one, project_dir

REPO = project_dir()
BIN = Path(sys.executable).parent


def run_measured(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run one command; return (wall seconds, peak RSS in MiB) of that process alone."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"benchmark: {' '.join(command)} failed with exit code {code}; see {log}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def ratios(measured: dict[str, float]) -> list[str]:
    """The incremental build as a share of the full one, and the dbt build with its tests as a
    multiple of each baseline, all measured in the same run."""
    lines = []
    if "incremental" in measured and measured.get("build"):
        lines.append(
            f"incremental build after a 1% batch = {measured['incremental'] / measured['build']:.0%} of the full build"
        )
    if "publish" in measured and measured.get("build"):
        lines.append(
            f"publish {measured['publish']:.1f} s = {measured['publish'] / measured['build']:.1%} of the build"
        )
    if "report" in measured:
        lines.append(f"report {measured['report']:.1f} s")
    if "build" in measured and "test" in measured:
        ours = measured["build"] + measured["test"]
        lines += [
            f"build+test {ours:.1f} s = {ours / measured[name]:.1f}x the {label} ({measured[name]:.1f} s)"
            for name, label in (("floor", "plain-SQL floor"), ("pandas", "pandas notebook"))
            if name in measured and measured[name] > 0
        ]
    return lines


def hold_back_last_lines(data: Path, share: float) -> tuple[Path, Path]:
    """Split a generated data set: everything but the latest `share` of transaction lines (the
    initial load) and those lines (the next daily batch)."""
    initial, batch = data.parent / f"{data.name}-initial", data.parent / f"{data.name}-batch"
    for folder in (initial, batch):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for source in data.iterdir():
        if source.name != "transactions.parquet" and source.is_file():
            shutil.copy(source, initial / source.name)
    con = duckdb.connect()
    try:
        lines = f"read_parquet('{data / 'transactions.parquet'}')"
        cutoff = one(con.execute(f"select quantile_disc(transaction_at, {1 - share}) from {lines}"))[0]
        con.execute(
            f"copy (select * from {lines} where transaction_at is null or transaction_at <= ?) "
            f"to '{initial / 'transactions.parquet'}'",
            [cutoff],
        )
        con.execute(
            f"copy (select * from {lines} where transaction_at > ?) to '{batch / 'transactions.parquet'}'", [cutoff]
        )
    finally:
        con.close()
    return initial, batch


def model_seconds(target: Path, name: str) -> float | None:
    """A model's execution time in dbt's last run results."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next((r["execution_time"] for r in results if r["unique_id"].endswith(f".{name}")), None)


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000], help="transaction line counts to run")
    parser.add_argument(
        "--customers-per-line", type=float, default=0.05, help="customer records per line (default 0.05)"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results.csv", help="CSV to append results to"
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder (default: a temporary one, removed after)"
    )
    parser.add_argument(
        "--steps",
        nargs="+",
        default=["generate", "load", "build", "test", "floor", "pandas"],
        choices=["generate", "load", "build", "test", "floor", "pandas", "history", "publish", "report", "incremental"],
        help="steps to run, in this order (default: all but history and incremental)",
    )
    args = parser.parse_args(argv)

    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="crm-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    new_file = not args.out.exists()
    commit, now = git_commit(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    dbt = [str(BIN / "dbt")]
    try:
        with args.out.open("a", newline="") as handle:
            writer = csv.writer(handle)
            if new_file:
                writer.writerow(["measured_at", "commit", "lines", "customers", "step", "seconds", "peak_rss_mib"])
            for lines in args.lines:
                customers = max(10, round(lines * args.customers_per_line))
                data, warehouse = scratch / f"data-{lines}", scratch / f"warehouse-{lines}.duckdb"
                initial, batch = data.parent / f"{data.name}-initial", data.parent / f"{data.name}-batch"
                env = {
                    **os.environ,
                    "CRM_WAREHOUSE_PATH": str(warehouse),
                    "DO_NOT_TRACK": "1",
                    "DBT_PROFILES_DIR": str(REPO),
                }
                target = ["--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs")]
                steps = {
                    "generate": [
                        sys.executable,
                        "scripts/generate_data.py",
                        "--out",
                        str(data),
                        "--overwrite",
                        "--customers",
                        str(customers),
                        "--lines",
                        str(lines),
                        # the generator spills to disk beyond the limit dbt gets too
                        *(
                            ["--memory-limit", os.environ["CRM_MEMORY_LIMIT"]]
                            if os.environ.get("CRM_MEMORY_LIMIT")
                            else []
                        ),
                    ],
                    "load": [
                        sys.executable,
                        "scripts/load_raw.py",
                        str(initial if "incremental" in args.steps else data),
                        "--warehouse",
                        str(warehouse),
                    ],
                    # seeds, models and the snapshot in DAG order, without tests (the next step)
                    "build": dbt + ["build", "--exclude-resource-type", "test", "unit_test", *target],
                    "test": dbt + ["test", *target],
                    "floor": [sys.executable, "scripts/baselines.py", "sql", str(data)],
                    "pandas": [sys.executable, "scripts/baselines.py", "pandas", str(data)],
                    "history": [
                        sys.executable,
                        "scripts/backfill_history.py",
                        "--rebuild",
                        "--warehouse",
                        str(warehouse),
                    ],
                    # after the daily batch is appended (its own row, load_batch): the same build as `build`
                    "incremental": dbt + ["build", "--exclude-resource-type", "test", "unit_test", *target],
                    # the serving copy for BI tools, and the report drawn from it
                    "publish": [
                        sys.executable,
                        "scripts/publish.py",
                        "--warehouse",
                        str(warehouse),
                        "--serving-dir",
                        str(scratch / f"serving-{lines}"),
                        "--target-path",
                        str(scratch / "target"),
                    ],
                    "report": [sys.executable, "scripts/report.py", "--serving-dir", str(scratch / f"serving-{lines}")],
                }
                if "build" in args.steps:
                    run_measured(dbt + ["seed", *target], env, scratch / "seed.log")
                measured: dict[str, float] = {}
                for step in args.steps:
                    if step == "load" and "incremental" in args.steps:
                        hold_back_last_lines(data, 0.01)
                    if step == "incremental":
                        append = [
                            sys.executable,
                            "scripts/load_raw.py",
                            str(batch),
                            "--append",
                            "--warehouse",
                            str(warehouse),
                        ]
                        seconds, peak = run_measured(append, env, scratch / f"load_batch-{lines}.log")
                        writer.writerow([now, commit, lines, customers, "load_batch", f"{seconds:.1f}", f"{peak:.0f}"])
                        print(
                            f"{lines:>12,} lines  {'load_batch':<11} {seconds:8.1f} s  {peak:8.0f} MiB peak", flush=True
                        )
                    seconds, peak = run_measured(steps[step], env, scratch / f"{step}-{lines}.log")
                    measured[step] = seconds
                    writer.writerow([now, commit, lines, customers, step, f"{seconds:.1f}", f"{peak:.0f}"])
                    handle.flush()
                    print(f"{lines:>12,} lines  {step:<11} {seconds:8.1f} s  {peak:8.0f} MiB peak", flush=True)
                    if step in ("build", "incremental"):
                        grid = model_seconds(scratch / "target", "int_customer_state__grid")
                        print(f"{lines:>12,} lines    of which the month-end state grid {grid or 0:.1f} s", flush=True)
                        clv = sum(
                            model_seconds(scratch / "target", name) or 0
                            for name in ("int_clv__parameters", "int_clv__scores")
                        )
                        print(f"{lines:>12,} lines    of which the CLV fit and scoring {clv:.1f} s", flush=True)
                for line in ratios(measured):
                    print(f"{lines:>12,} lines  {line}", flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark: results appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
