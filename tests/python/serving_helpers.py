"""Helpers of the serving-copy and report tests: the commands run against a test warehouse,
queries of its serving copy, and a headless Chromium that records what the page requests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, Warehouse, script
from crm_warehouse import backfill_history
from crm_warehouse.benchmark import hold_back_last_lines
from dbt_commands import entry_point_in_process, parse_key, reuse_parse

PYTHON = sys.executable
EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"
PHONE = r"^\+?[0-9 ().-]{10,}$"


def run(*command: str, warehouse: Warehouse, **env: str) -> subprocess.CompletedProcess:
    """A project command against this warehouse (conftest.script with its path set)."""
    return script(*command, env={"CRM_WAREHOUSE_PATH": str(warehouse.path), **env})


def publish(warehouse: Warehouse, *extra: str) -> subprocess.CompletedProcess:
    return run(
        "scripts/publish.py",
        "--warehouse",
        str(warehouse.path),
        "--serving-dir",
        str(warehouse.work / "serving"),
        "--target-path",
        str(warehouse.work / "target"),
        *extra,
        warehouse=warehouse,
    )


def backfill(warehouse: Warehouse, *extra: str) -> subprocess.CompletedProcess:
    """scripts/backfill_history.py against this warehouse, in this process (see dbt_commands);
    its dbt run writes its manifest and log to the warehouse's folders, as the builds do. It runs
    in the warehouse's work folder and names the warehouse as Warehouse.dbt does, so dbt starts
    from the builds' parse, as a user's backfill after `make build` does."""
    path = os.path.relpath(warehouse.path, warehouse.work)
    warehouse.work.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CRM_WAREHOUSE_PATH": path,
        "DBT_PROFILES_DIR": str(REPO),
        "DBT_TARGET_PATH": str(warehouse.work / "target"),
        "DBT_LOG_PATH": str(warehouse.work / "logs"),
        "DO_NOT_TRACK": "1",
    }
    with reuse_parse(warehouse.work / "target", parse_key(None, {"CRM_WAREHOUSE_PATH": path})):
        return entry_point_in_process(
            backfill_history.main, "backfill_history.py", ["--warehouse", path, *extra], env, warehouse.work
        )


def serving_query(warehouse: Warehouse, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse.work / "serving" / "crm.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def publication_id(warehouse: Warehouse) -> str:
    return serving_query(warehouse, "select publication_id from meta.publication")[0][0]


def month_ends_recorded(warehouse: Warehouse) -> list:
    return [
        row[0]
        for row in warehouse.query("select as_of_date from intermediate.int_segment_history__recorded_dates order by 1")
    ]


def chromium() -> str:
    for name in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium on PATH: install it with `apt-get install chromium-headless-shell` (make test does this)")


def browse(page: Path, *extra: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Open a page in headless Chromium; returns the run and every network URL it requested (its
    NetLog), with name resolution switched off so nothing could load from the network anyway."""
    net_log = page.with_name(page.name + f".{len(extra)}.netlog.json")
    run = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1200,6400",
            f"--log-net-log={net_log}",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--virtual-time-budget=20000",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return run, re.findall(r'"url":"([^"]+)"', net_log.read_text() if net_log.exists() else "")


def pii_findings(warehouse: Warehouse, serving: Path) -> list[str]:
    """Text values shaped like an email or a phone, and dates equal to a customer's birth date."""
    con = duckdb.connect(str(serving), read_only=True)
    con.execute(f"attach '{warehouse.path}' as build (read_only)")
    found = []
    try:
        columns = con.execute(
            """select table_name, column_name, data_type from information_schema.columns
            where table_catalog = 'crm' and table_schema = 'marts'"""
        ).fetchall()
        for table, column, data_type in columns:
            if data_type == "VARCHAR":
                hits = con.execute(
                    f"""select count(*) filter (where regexp_full_match("{column}", '{EMAIL}')),
                        count(*) filter (where regexp_full_match("{column}", '{PHONE}')
                                         and length(regexp_replace("{column}", '[^0-9]', '', 'g')) >= 10)
                    from crm.marts."{table}" """
                ).fetchone()
                if any(hits):
                    found.append(f"{table}.{column}: {hits[0]} emails, {hits[1]} phones")
            elif data_type == "DATE" and any(c == "customer_key" for t, c, _ in columns if t == table):
                same = con.execute(
                    f"""select count(*) from crm.marts."{table}" as t
                    inner join build.marts.dim_customer as d on t.customer_key = d.customer_key
                    where t."{column}" = d.birth_date"""
                ).fetchone()[0]
                if same:
                    found.append(f"{table}.{column}: {same} birth dates")
    finally:
        con.close()
    return found


def hold_back_latest_lines(data: Path, work: Path, share: float) -> tuple[Path, Path]:
    """A copy of the data set without its latest `share` of transaction lines (work/initial), and
    those lines as a later daily batch (work/batch): the benchmark's split."""
    initial, batch = work / "initial", work / "batch"
    hold_back_last_lines(data, initial, batch, share)
    return initial, batch
