#!/usr/bin/env python3
"""Publish the marts of a green build as the serving copy that BI tools open.

DuckDB lets one process write a file or many processes read it, never both, so BI tools never
open the build warehouse: `dbt build`, the loader and the history backfill write there. This
command copies every mart into a new DuckDB file and swaps it in atomically:

    <serving dir>/crm.duckdb               the serving copy: schema marts, plus meta.publication
                                           and meta.publication_tables (id, as-of date, row counts)
    <serving dir>/parquet/current/*.parquet the same tables as Parquet (current is a link to the
                                           folder of the latest publication)

A reader connected to the previous copy keeps reading it; the next connection opens the new
one, whole. Nothing is published unless the latest dbt invocation that wrote the warehouse
finished with every model and test passing (the build ledger, meta.dbt_invocations): a failed,
killed or running build leaves the previous publication served.

Personal data: columns documented with `contains_pii: true` (full names, email, phone, street
address, postal code, birth date) are left out of the serving copy; the marts carry what
analysis needs instead (email_domain, postal_area, birth_year, the pseudonymous customer_key).
--include-pii publishes them too, for a serving copy that only trusted users can open.

    scripts/publish.py                                  # warehouse.duckdb -> serving/
    scripts/publish.py --warehouse w.duckdb --serving-dir /srv/crm --include-pii
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb

from crm_warehouse.db import one, project_dir

REPO = project_dir()
SERVING_FILE = "crm.duckdb"
MARTS_SCHEMA = "marts"
# Marts computed as of one date carry the dbt tag customer_state: a publication holds them at a
# single as-of date. (The segment history also has an as_of_date column, the date each version
# was recorded; it is tagged segment_history.)
AS_OF_TAG = "customer_state"
PARQUET_PUBLICATIONS_KEPT = 2  # the current one and the one before it (readers may still be on it)


class PublishError(Exception):
    """Nothing was published; the previous publication is still served."""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def read_marts(manifest_path: Path) -> tuple[dict[str, set[str]], set[str]]:
    """From dbt's manifest: mart name -> its columns documented as personal data (meta
    contains_pii: true), and the marts computed as of one date (tag customer_state)."""
    if not manifest_path.exists():
        raise PublishError(
            f"no dbt manifest at {manifest_path}: it says which columns hold personal data. Run `dbt build` "
            "(or pass --target-path, the folder dbt wrote target/manifest.json to)"
        )
    manifest = json.loads(manifest_path.read_text())
    pii: dict[str, set[str]] = {}
    as_of_marts: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != MARTS_SCHEMA:
            continue
        if AS_OF_TAG in node.get("tags", []):
            as_of_marts.add(node["name"])
        for column in node["columns"].values():
            meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
            if meta.get("contains_pii"):
                pii.setdefault(node["name"], set()).add(column["name"])
    return pii, as_of_marts


def check_ledger(build: duckdb.DuckDBPyConnection) -> tuple[str, dt.datetime]:
    """The invocation id and end time of the build to publish; refuses anything but a green one."""
    has_ledger = one(
        build.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = 'build' and table_schema = 'meta' and table_name = 'dbt_invocations'"
        )
    )[0]
    if not has_ledger:
        raise PublishError("the warehouse has no build ledger (meta.dbt_invocations): run `dbt build` first")
    rows = build.execute(
        """select invocation_id, command, writes_models, status, started_at, finished_at, failed_node_count
        from build.meta.dbt_invocations order by started_at desc"""
    ).fetchall()
    writers = [row for row in rows if row[2]]
    if not writers:
        raise PublishError("no dbt build has run on this warehouse yet: run `dbt build` first")
    for invocation_id, command, _, status, started_at, _, failed in (rows[0], writers[0]):
        if status == "running":
            raise PublishError(
                f"dbt {command} {invocation_id} (started {started_at:%Y-%m-%d %H:%M:%S} UTC) did not finish: it is "
                "still running or was stopped. Publish after a build that finishes"
            )
        if status != "success":
            raise PublishError(
                f"dbt {command} {invocation_id} (started {started_at:%Y-%m-%d %H:%M:%S} UTC) had {failed} failed or "
                "skipped node(s); fix them and build again. The previous publication stays served"
            )
    return writers[0][0], writers[0][5]


def publish(
    warehouse: Path, serving_dir: Path, manifest_path: Path, include_pii: bool, memory_limit: str | None
) -> dict[str, object]:
    started = time.perf_counter()
    if not warehouse.exists():
        raise PublishError(f"{warehouse}: no such warehouse; run `make run` (or load and `dbt build`) first")
    pii, as_of_marts = read_marts(manifest_path)
    withheld = {} if include_pii else pii
    serving_dir.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    publication_id = f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    staging_file = serving_dir / f".{SERVING_FILE}.{publication_id}.tmp"
    parquet_root = serving_dir / "parquet"
    parquet_dir = parquet_root / publication_id

    con = duckdb.connect(
        str(staging_file),
        config={"preserve_insertion_order": False, **({"memory_limit": memory_limit} if memory_limit else {})},
    )
    try:
        try:
            con.execute(f"attach {literal(str(warehouse))} as build (read_only)")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise PublishError(
                    f"{warehouse} is being written by another process (a dbt build, load or backfill); publish "
                    "when it has finished"
                ) from exc
            raise
        invocation_id, built_at = check_ledger(con)
        marts = con.execute(
            """select table_name, table_type = 'VIEW' from information_schema.tables
            where table_catalog = 'build' and table_schema = ? order by table_name""",
            [MARTS_SCHEMA],
        ).fetchall()
        if not marts:
            raise PublishError(f"{warehouse} has no {MARTS_SCHEMA} schema: run `dbt build` first")
        comments = dict(
            ((row[0], row[1]), row[2])
            for row in con.execute(
                """select table_name, column_name, comment from duckdb_columns()
                where database_name = 'build' and schema_name = ? and comment is not null""",
                [MARTS_SCHEMA],
            ).fetchall()
        )
        table_comments = dict(
            con.execute(
                """select table_name, comment from duckdb_tables() where database_name = 'build' and schema_name = ?
                union all
                select view_name, comment from duckdb_views() where database_name = 'build' and schema_name = ?""",
                [MARTS_SCHEMA, MARTS_SCHEMA],
            ).fetchall()
        )
        con.execute(f"create schema {MARTS_SCHEMA}")
        con.execute("create schema meta")
        table_rows, dated = [], set()
        for name, _ in marts:
            columns = [
                row[0]
                for row in con.execute(
                    """select column_name from information_schema.columns
                    where table_catalog = 'build' and table_schema = ? and table_name = ? order by ordinal_position""",
                    [MARTS_SCHEMA, name],
                ).fetchall()
            ]
            kept = [column for column in columns if column not in withheld.get(name, set())]
            if "as_of_date" in kept:
                dated.add(name)
            target = f"{MARTS_SCHEMA}.{quote(name)}"
            con.execute(
                f"create table {target} as select {', '.join(map(quote, kept))} from build.{MARTS_SCHEMA}.{quote(name)}"
            )
            if table_comments.get(name):
                con.execute(f"comment on table {target} is {literal(table_comments[name].strip())}")
            for column in kept:
                if comments.get((name, column)):
                    con.execute(
                        f"comment on column {target}.{quote(column)} is {literal(comments[(name, column)].strip())}"
                    )
            row_count = one(con.execute(f"select count(*) from {target}"))[0]
            table_rows.append((publication_id, name, row_count, len(kept), sorted(set(columns) - set(kept))))

        as_of_dates = {}
        for name in sorted(as_of_marts & dated):  # the as-of marts (tag customer_state) with the column
            as_of_dates[name] = [
                row[0] for row in con.execute(f"select distinct as_of_date from {MARTS_SCHEMA}.{name}").fetchall()
            ]
        distinct = {day for days in as_of_dates.values() for day in days}
        if len(distinct) > 1:
            detail = ", ".join(f"{name}: {', '.join(map(str, sorted(days)))}" for name, days in as_of_dates.items())
            raise PublishError(
                f"the marts are not at one as-of date ({detail}): a partial build. Run `dbt build` and publish again"
            )
        as_of_date = next(iter(distinct), None)

        con.execute(
            """create table meta.publication (
                publication_id varchar, as_of_date date, built_at timestamp, published_at timestamp,
                source_commit varchar, dbt_invocation_id varchar, includes_pii boolean, table_count integer)"""
        )
        con.execute(
            "insert into meta.publication values (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                publication_id,
                as_of_date,
                built_at,
                now.replace(tzinfo=None),
                git_commit(),
                invocation_id,
                include_pii,
                len(table_rows),
            ],
        )
        con.execute(
            """create table meta.publication_tables (
                publication_id varchar, table_name varchar, row_count bigint, column_count integer,
                withheld_columns varchar[])"""
        )
        con.executemany("insert into meta.publication_tables values (?, ?, ?, ?, ?)", table_rows)
        con.execute(
            "comment on table meta.publication is "
            + literal(
                "This copy of the marts: its id, the as-of date of the customer-state marts, when the build it copies "
                "finished (UTC), when it was published, the commit of the project and whether personal data "
                "is included."
            )
        )
        con.execute(
            "comment on table meta.publication_tables is "
            + literal("Row and column counts of each published mart, and the personal-data columns left out of it.")
        )

        # Parquet, for tools that read files: a new folder per publication, then `current` moves to it.
        parquet_dir.mkdir(parents=True)
        metadata = f"kv_metadata {{publication_id: {literal(publication_id)}}}"
        for schema, name in [(MARTS_SCHEMA, name) for name, _ in marts] + [
            ("meta", "publication"),
            ("meta", "publication_tables"),
        ]:
            con.execute(
                f"copy {schema}.{quote(name)} to {literal(str(parquet_dir / (name + '.parquet')))} "
                f"(format parquet, compression zstd, {metadata})"
            )
        con.execute("detach build")
        con.execute("checkpoint")
    except BaseException:
        con.close()
        staging_file.unlink(missing_ok=True)
        shutil.rmtree(parquet_dir, ignore_errors=True)
        raise
    con.close()

    # The swap: each rename is atomic; a reader sees the previous publication or this one, whole.
    os.replace(staging_file, serving_dir / SERVING_FILE)
    link = parquet_root / f".current.{publication_id}.tmp"
    link.symlink_to(publication_id, target_is_directory=True)
    os.replace(link, parquet_root / "current")
    for old in sorted(p for p in parquet_root.iterdir() if p.is_dir() and not p.is_symlink())[
        :-PARQUET_PUBLICATIONS_KEPT
    ]:
        shutil.rmtree(old, ignore_errors=True)
    return {
        "publication_id": publication_id,
        "as_of_date": as_of_date,
        "tables": len(table_rows),
        "rows": sum(row[2] for row in table_rows),
        "withheld": sum(len(row[4]) for row in table_rows),
        "seconds": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", REPO / "warehouse.duckdb")),
        help="the build warehouse (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="where the serving copy goes (default: $CRM_SERVING_DIR or serving/)",
    )
    parser.add_argument(
        "--target-path",
        type=Path,
        default=Path(os.environ.get("DBT_TARGET_PATH", REPO / "target")),
        help="dbt's target folder, for manifest.json (default: $DBT_TARGET_PATH or target/)",
    )
    parser.add_argument(
        "--include-pii",
        action="store_true",
        default=os.environ.get("CRM_PUBLISH_PII", "") in ("1", "true", "yes"),
        help="also publish the personal-data columns (default: off; or set CRM_PUBLISH_PII=1)",
    )
    args = parser.parse_args(argv)
    try:
        result = publish(
            args.warehouse,
            args.serving_dir,
            args.target_path / "manifest.json",
            args.include_pii,
            os.environ.get("CRM_MEMORY_LIMIT"),
        )
    except PublishError as exc:
        print(f"publish: refused, nothing published: {exc}", file=sys.stderr)
        return 2
    print(
        f"publish: {result['publication_id']} (as of {result['as_of_date']}): {result['tables']} marts, "
        f"{result['rows']:,} rows, {result['withheld']} personal-data column(s) left out, in {result['seconds']:.1f}s "
        f"-> {args.serving_dir / SERVING_FILE} and {args.serving_dir / 'parquet' / 'current'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
