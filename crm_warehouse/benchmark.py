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
`report` writes the HTML report from it. `identity` compares this project's identity resolution
with Splink's on the run's customer records (crm_warehouse/benchmark_identity.py; needs
`make benchmark-identity` once), and --febrl1 to --febrl4 and --records run it on those sets too:

    scripts/benchmark.py --lines 200000 --customers-per-line 0.25 --steps generate identity --febrl3
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.db import one, project_dir

REPO = project_dir()
BIN = Path(sys.executable).parent


# Runs the command given after it as its child and prints the child's peak RSS (KiB) to the file
# named first. A child's peak RSS as the kernel reports it starts from its parent's RSS at the
# fork and survives exec, so a small command started straight from this (large) process would
# report this process's size; started from this small one, it reports its own.
PEAK_RSS_SHIM = (
    "import os, sys; pid = os.fork()\n"
    "if pid == 0: os.execvp(sys.argv[2], sys.argv[2:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))"
)


def run_measured(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """Run one command; return (wall seconds, peak RSS in MiB) of that process alone. The wall
    time includes the shim's Python start (a few hundredths of a second)."""
    peak_file = log.with_suffix(".peak_rss")
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.run(
            [sys.executable, "-c", PEAK_RSS_SHIM, str(peak_file), *command],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        peak_file.unlink(missing_ok=True)
        raise SystemExit(f"benchmark: {' '.join(command)} failed with exit code {process.returncode}; see {log}")
    peak_kib = int(peak_file.read_text())  # ru_maxrss is in KiB on Linux
    peak_file.unlink()
    return seconds, peak_kib / 1024


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


def hold_back_last_lines(data: Path, initial: Path, batch: Path, share: float) -> None:
    """Split a generated data set: everything but the latest `share` of transaction lines into
    `initial` (the first load) and those lines into `batch` (the next daily batch)."""
    for folder in (initial, batch):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    for source in data.iterdir():
        if source.name != "transactions.parquet" and source.is_file():
            shutil.copy(source, initial / source.name)
    con = duckdb.connect()
    try:
        lines = f"read_parquet('{data / 'transactions.parquet'}')"
        cutoff = one(con.execute(f"select quantile_disc(transaction_at, {1 - share}) from {lines}"))[0]
        earlier = (
            f"copy (select * from {lines} where transaction_at is null or transaction_at <= ?) "
            f"to '{initial / 'transactions.parquet'}'"
        )
        later = f"copy (select * from {lines} where transaction_at > ?) to '{batch / 'transactions.parquet'}'"
        con.execute(earlier, [cutoff])
        con.execute(later, [cutoff])
    finally:
        con.close()


# the folder of the customer state's steps (window amounts, lifecycle, grid): their times add up
STATE_STEPS_FOLDER = "models/intermediate/customer_state/by_date/"


def state_step_names(target: Path) -> list[str]:
    """The models of the customer state's steps, as dbt's last manifest lists them."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    return [n["name"] for n in nodes if n["resource_type"] == "model" and STATE_STEPS_FOLDER in n["original_file_path"]]


def model_seconds(target: Path, name: str) -> float | None:
    """A model's execution time in dbt's last run results."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next((r["execution_time"] for r in results if r["unique_id"].endswith(f".{name}")), None)


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return result.stdout.strip() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
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
        choices=STEPS,
        help="steps to run, in this order (default: all but history, publish, report, incremental and identity)",
    )
    from crm_warehouse import benchmark_identity  # it imports this module

    benchmark_identity.add_arguments(parser)
    return parser.parse_args(argv)


STEPS = [
    "generate", "load", "build", "test", "floor", "pandas", "history", "publish", "report", "incremental", "identity",
]  # fmt: skip


@dataclass
class Size:
    """One data size of a run: its files, warehouse and the command of every step."""

    lines: int
    customers: int
    scratch: Path
    incremental: bool

    @property
    def data(self) -> Path:
        return self.scratch / f"data-{self.lines}"

    @property
    def warehouse(self) -> Path:
        return self.scratch / f"warehouse-{self.lines}.duckdb"

    @property
    def initial(self) -> Path:
        return self.scratch / f"data-{self.lines}-initial"

    @property
    def batch(self) -> Path:
        return self.scratch / f"data-{self.lines}-batch"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "CRM_WAREHOUSE_PATH": str(self.warehouse),
            "DO_NOT_TRACK": "1",
            "DBT_PROFILES_DIR": str(REPO),
        }

    @property
    def dbt_target(self) -> list[str]:
        return ["--target-path", str(self.scratch / "target"), "--log-path", str(self.scratch / "logs")]

    def commands(self) -> dict[str, list[str]]:
        python, dbt, serving = sys.executable, [str(BIN / "dbt")], str(self.scratch / f"serving-{self.lines}")
        # the generator spills to disk beyond the limit dbt gets too
        limit = ["--memory-limit", os.environ["CRM_MEMORY_LIMIT"]] if os.environ.get("CRM_MEMORY_LIMIT") else []
        sizes = ["--customers", str(self.customers), "--lines", str(self.lines)]
        build = dbt + ["build", "--exclude-resource-type", "test", "unit_test", *self.dbt_target]
        return {
            "generate": [python, "scripts/generate_data.py", "--out", str(self.data), "--overwrite", *sizes, *limit],
            "load": [
                python,
                "scripts/load_raw.py",
                str(self.initial if self.incremental else self.data),
                "--warehouse",
                str(self.warehouse),
            ],
            # seeds and models in DAG order (the history's recorders included), without tests (the next step)
            "build": build,
            "test": dbt + ["test", *self.dbt_target],
            "floor": [python, "scripts/baselines.py", "sql", str(self.data)],
            "pandas": [python, "scripts/baselines.py", "pandas", str(self.data)],
            "history": [python, "scripts/backfill_history.py", "--rebuild", "--warehouse", str(self.warehouse)],
            # after the daily batch is appended (its own row, load_batch): the same build as `build`
            "incremental": build,
            "load_batch": [
                python,
                "scripts/load_raw.py",
                str(self.batch),
                "--append",
                "--warehouse",
                str(self.warehouse),
            ],
            # the serving copy for BI tools, and the report drawn from it
            "publish": [
                python,
                "scripts/publish.py",
                "--warehouse",
                str(self.warehouse),
                "--serving-dir",
                serving,
                "--target-path",
                str(self.scratch / "target"),
            ],
            "report": [python, "scripts/report.py", "--serving-dir", serving],
            "seed": dbt + ["seed", *self.dbt_target],
        }


class Recorder:
    """Runs the steps of one size, printing each and appending it to the results file."""

    def __init__(self, writer: Any, handle: Any, commit: str, now: str, size: Size, args: argparse.Namespace) -> None:
        self.writer, self.handle, self.commit, self.now, self.size = writer, handle, commit, now, size
        self.out, self.splink_python = args.out, args.splink_python
        self.commands = size.commands()
        self.measured: dict[str, float] = {}

    def say(self, text: str) -> None:
        print(f"{self.size.lines:>12,} lines  {text}", flush=True)

    def step(self, step: str) -> None:
        seconds, peak = run_measured(
            self.commands[step], self.size.env, self.size.scratch / f"{step}-{self.size.lines}.log"
        )
        self.measured[step] = seconds
        self.writer.writerow(
            [self.now, self.commit, self.size.lines, self.size.customers, step, f"{seconds:.1f}", f"{peak:.0f}"]
        )
        self.handle.flush()
        self.say(f"{step:<11} {seconds:8.1f} s  {peak:8.0f} MiB peak")
        if step in ("build", "incremental"):
            target = self.size.scratch / "target"
            grid = sum(model_seconds(target, name) or 0 for name in state_step_names(target))
            clv = sum(model_seconds(target, name) or 0 for name in ("int_clv__parameters", "int_clv__scores"))
            self.say(f"  of which the month-end state grid {grid:.1f} s (its three steps)")
            self.say(f"  of which the CLV fit and scoring {clv:.1f} s")

    def identity(self) -> None:
        """Our identity resolution and Splink's on the run's customer records, scored (benchmark_identity)."""
        from crm_warehouse import benchmark_identity as bi

        label = f"{self.size.customers:,} generated customer records"
        scratch = self.size.scratch / f"identity-{self.size.lines}"
        measured = bi.run_identity(self.size.data, scratch, label, self.splink_python)
        for m in measured:
            row = [self.now, self.commit, self.size.lines, self.size.customers, f"identity_{m.method}"]
            self.writer.writerow(row + [f"{m.seconds:.1f}", f"{m.peak_mib:.0f}"])
            self.measured[f"identity_{m.method}"] = m.seconds
        self.handle.flush()
        rows = bi.identity_rows(self.now, self.commit, f"generated-{self.size.lines}", measured)
        bi.append_csv(bi.identity_results_path(self.out), bi.IDENTITY_HEADER, rows)

    def run(self, steps: list[str]) -> None:
        if "build" in steps:
            run_measured(self.commands["seed"], self.size.env, self.size.scratch / "seed.log")
        for step in steps:
            if step == "load" and self.size.incremental:
                hold_back_last_lines(self.size.data, self.size.initial, self.size.batch, 0.01)
            if step == "incremental":
                self.step("load_batch")
            if step == "identity":
                self.identity()
            else:
                self.step(step)
        for line in ratios(self.measured):
            self.say(line)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="crm-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    new_file = not args.out.exists()
    commit, now = git_commit(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with args.out.open("a", newline="") as handle:
            writer = csv.writer(handle)
            if new_file:
                writer.writerow(["measured_at", "commit", "lines", "customers", "step", "seconds", "peak_rss_mib"])
            for lines in args.lines:
                size = Size(
                    lines, max(10, round(lines * args.customers_per_line)), scratch, "incremental" in args.steps
                )
                Recorder(writer, handle, commit, now, size, args).run(args.steps)
        from crm_warehouse import benchmark_identity

        benchmark_identity.run_sets(benchmark_identity.external_sets(args, scratch), scratch, args, now, commit)
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark: results appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
