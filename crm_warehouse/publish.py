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
--include-pii publishes them too, readable by the publishing user only: the DuckDB and Parquet
files are mode 0600, the publication's Parquet folder and the folders created for it 0700 (a
serving dir that exists keeps its mode), and a warning says so. The next publish without it
replaces the DuckDB file and removes every earlier Parquet folder with personal data.
Publications without personal data are created as the umask allows, for BI users.

A killed publish leaves the previous publication served; its temporary files are removed by
the next publish that runs alone (crm_warehouse/serving_files.py: how, and the folder's layout).

    scripts/publish.py                                  # warehouse.duckdb -> serving/
    scripts/publish.py --warehouse w.duckdb --serving-dir /srv/crm --include-pii
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from crm_warehouse.db import one, project_dir
from crm_warehouse.serving_files import (
    SERVING_FILE,
    Publication,
    created_private,
    make_folders,
    make_private,
    publishing,
    remove,
    say_about_files,
    swap_in,
)

REPO = project_dir()
MARTS_SCHEMA = "marts"
# Marts computed as of one date carry the dbt tag customer_state: a publication holds them at a
# single as-of date. (The segment history also has an as_of_date column, the date each state
# was recorded; it is tagged segment_history.)
AS_OF_TAG = "customer_state"
META_COMMENTS = {
    "publication": "This copy of the marts: its id, the as-of date of the customer-state marts, when the build it "
    "copies finished (UTC), when it was published, the commit of the project and whether personal data is included.",
    "publication_tables": "Row and column counts of each published mart, and the personal-data columns left out of it.",
}


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


def attach_build(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    try:
        con.execute(f"attach {literal(str(warehouse))} as build (read_only)")
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise PublishError(
                f"{warehouse} is being written by another process (a dbt build, load or backfill); publish "
                "when it has finished"
            ) from exc
        raise


def build_comments(con: duckdb.DuckDBPyConnection) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The dbt descriptions the build stored as table and column comments."""
    tables = dict(
        con.execute(
            """select table_name, comment from duckdb_tables() where database_name = 'build' and schema_name = ?
            union all
            select view_name, comment from duckdb_views() where database_name = 'build' and schema_name = ?""",
            [MARTS_SCHEMA, MARTS_SCHEMA],
        ).fetchall()
    )
    columns = {
        (row[0], row[1]): row[2]
        for row in con.execute(
            """select table_name, column_name, comment from duckdb_columns()
            where database_name = 'build' and schema_name = ? and comment is not null""",
            [MARTS_SCHEMA],
        ).fetchall()
    }
    return tables, columns


def copy_mart(con: duckdb.DuckDBPyConnection, name: str, withheld: set[str], comments: tuple[dict, dict]) -> tuple:
    """One mart copied with its comments, without the withheld columns; its publication_tables row."""
    columns = [
        row[0]
        for row in con.execute(
            """select column_name from information_schema.columns
            where table_catalog = 'build' and table_schema = ? and table_name = ? order by ordinal_position""",
            [MARTS_SCHEMA, name],
        ).fetchall()
    ]
    kept = [column for column in columns if column not in withheld]
    target = f"{MARTS_SCHEMA}.{quote(name)}"
    con.execute(
        f"create table {target} as select {', '.join(map(quote, kept))} from build.{MARTS_SCHEMA}.{quote(name)}"
    )
    table_comments, column_comments = comments
    if table_comments.get(name):
        con.execute(f"comment on table {target} is {literal(table_comments[name].strip())}")
    for column in kept:
        if column_comments.get((name, column)):
            con.execute(
                f"comment on column {target}.{quote(column)} is {literal(column_comments[(name, column)].strip())}"
            )
    row_count = one(con.execute(f"select count(*) from {target}"))[0]
    return name, row_count, kept, sorted(set(columns) - set(kept))


def one_as_of_date(con: duckdb.DuckDBPyConnection, as_of_marts: set[str]) -> dt.date | None:
    """The as-of date all customer-state marts share; a partial build (marts at several dates) is refused."""
    as_of_dates = {}
    for name in sorted(as_of_marts):
        as_of_dates[name] = [
            row[0] for row in con.execute(f"select distinct as_of_date from {MARTS_SCHEMA}.{quote(name)}").fetchall()
        ]
    distinct = {day for days in as_of_dates.values() for day in days}
    if len(distinct) > 1:
        detail = ", ".join(f"{name}: {', '.join(map(str, sorted(days)))}" for name, days in as_of_dates.items())
        raise PublishError(
            f"the marts are not at one as-of date ({detail}): a partial build. Run `dbt build` and publish again"
        )
    return next(iter(distinct), None)


def write_meta(con: duckdb.DuckDBPyConnection, publication: Publication, facts: list, table_rows: list) -> None:
    """meta.publication (one row: facts in its column order) and meta.publication_tables, with comments."""
    con.execute("create schema meta")
    con.execute(
        """create table meta.publication (
            publication_id varchar, as_of_date date, built_at timestamp, published_at timestamp,
            source_commit varchar, dbt_invocation_id varchar, includes_pii boolean, table_count integer)"""
    )
    con.execute("insert into meta.publication values (?, ?, ?, ?, ?, ?, ?, ?)", facts)
    con.execute(
        """create table meta.publication_tables (
            publication_id varchar, table_name varchar, row_count bigint, column_count integer,
            withheld_columns varchar[])"""
    )
    con.executemany(
        "insert into meta.publication_tables values (?, ?, ?, ?, ?)",
        [(publication.publication_id, name, rows, len(kept), left_out) for name, rows, kept, left_out in table_rows],
    )
    for table, comment in META_COMMENTS.items():
        con.execute(f"comment on table meta.{table} is {literal(comment)}")


def write_parquet(con: duckdb.DuckDBPyConnection, publication: Publication, marts: list[str]) -> None:
    """Parquet, for tools that read files: a new folder per publication, written under a temporary
    name (`current` moves to it on the swap). Each file's key-value metadata holds the publication,
    the table's description and its columns' (JSON), as the serving copy's comments have them."""
    publication.parquet_staging.mkdir()
    tables = [(MARTS_SCHEMA, name) for name in marts] + [("meta", "publication"), ("meta", "publication_tables")]
    for schema, name in tables:
        where = f"database_name = current_database() and schema_name = '{schema}' and table_name = {literal(name)}"
        described = one(con.execute(f"select coalesce(comment, '') from duckdb_tables() where {where}"))[0]
        columns = con.execute(f"select column_name, comment from duckdb_columns() where {where} and comment <> ''")
        metadata = f"publication_id: {literal(publication.publication_id)}, description: {literal(described)}, "
        metadata += f"column_descriptions: {literal(json.dumps(dict(columns.fetchall()), ensure_ascii=False))}"
        con.execute(
            f"copy {schema}.{quote(name)} to {literal(str(publication.parquet_staging / (name + '.parquet')))} "
            f"(format parquet, compression zstd, kv_metadata {{{metadata}}})"
        )


def fill(
    con: duckdb.DuckDBPyConnection, warehouse: Path, publication: Publication, manifest: Path, include_pii: bool
) -> tuple[dt.date | None, list[tuple]]:
    """Everything the publication holds, written to its staging file and Parquet folder."""
    pii, as_of_marts = read_marts(manifest)
    attach_build(con, warehouse)
    invocation_id, built_at = check_ledger(con)
    marts = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'build' and table_schema = ? "
            "order by table_name",
            [MARTS_SCHEMA],
        ).fetchall()
    ]
    if not marts:
        raise PublishError(f"{warehouse} has no {MARTS_SCHEMA} schema: run `dbt build` first")
    comments = build_comments(con)
    con.execute(f"create schema {MARTS_SCHEMA}")
    table_rows = [copy_mart(con, name, set() if include_pii else pii.get(name, set()), comments) for name in marts]
    dated = {name for name, _, kept, _ in table_rows if "as_of_date" in kept}
    as_of_date = one_as_of_date(con, as_of_marts & dated)
    facts = [
        publication.publication_id,
        as_of_date,
        built_at,
        publication.published_at.replace(tzinfo=None),
        git_commit(),
        invocation_id,
        include_pii,
        len(table_rows),
    ]
    write_meta(con, publication, facts, table_rows)
    write_parquet(con, publication, marts)
    con.execute("detach build")
    con.execute("checkpoint")
    return as_of_date, table_rows


def personal_data_published(table_rows: list[tuple], manifest_path: Path) -> dict[str, list[str]]:
    """Mart -> its personal-data columns in this publication."""
    pii, _ = read_marts(manifest_path)
    published = {name: sorted(pii.get(name, set()) & set(kept)) for name, _, kept, _ in table_rows}
    return {name: columns for name, columns in published.items() if columns}


def publish(
    warehouse: Path, serving_dir: Path, manifest_path: Path, include_pii: bool, memory_limit: str | None
) -> dict[str, Any]:
    started = time.perf_counter()
    if not warehouse.exists():
        raise PublishError(f"{warehouse}: no such warehouse; run `make run` (or load and `dbt build`) first")
    make_folders(serving_dir / "parquet", private=include_pii)
    with publishing(serving_dir) as removed_litter, created_private(include_pii):
        publication = Publication.new(serving_dir)
        con = duckdb.connect(
            str(publication.staging_file),
            config={"preserve_insertion_order": False, **({"memory_limit": memory_limit} if memory_limit else {})},
        )
        try:
            as_of_date, table_rows = fill(con, warehouse, publication, manifest_path, include_pii)
        except BaseException:
            con.close()
            for path in publication.temporary_files():
                remove(path)
            raise
        con.close()
        if include_pii:
            make_private(publication)
        removed_private = swap_in(publication, include_pii)
    return {
        "publication_id": publication.publication_id,
        "as_of_date": as_of_date,
        "tables": len(table_rows),
        "rows": sum(row[1] for row in table_rows),
        "withheld": sum(len(row[3]) for row in table_rows),
        "personal_data": personal_data_published(table_rows, manifest_path) if include_pii else {},
        "parquet_dir": publication.parquet_dir,
        "litter": removed_litter,
        "removed_private": removed_private,
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
    say_about_files(args.serving_dir, args.include_pii, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
