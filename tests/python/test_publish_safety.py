"""Hostile and messy input around the serving copy: personal data on disk (file modes, a default
publication after one with personal data), publishes killed or running side by side, and
spreadsheet formulas in the audience export.

Every publication here copies the small built warehouse of conftest (no build of its own); the
publishes and exports run as the user runs them, as processes (a publish is killed or stopped
with a signal while it writes its Parquet files).
"""

from __future__ import annotations

import csv
import io
import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, Warehouse, script

GENERIC_HEADER = "customer_key,source_ids,campaign_id,action,channel,as_of_date,expected_value"  # before the contacts
IDS_AND_CHANNEL = (
    "select (select string_agg(source_system || ':' || customer_id, ' ' order by source_system, customer_id) from "
    "marts.customer_identity_map where customer_key = ?), (select channel from marts.campaign_candidates "
    "where campaign_id = 'value_retention' and customer_key = ? and action = ?)"
)
PERSONAL_DIM_CUSTOMER = set("address_line birth_date email first_name last_name phone phone_e164 postal_code".split())
# the leading characters a spreadsheet runs as a formula: a city with each, and its exact CSV cell
HOSTILE_CITIES = {
    "=": ('=HYPERLINK("http://example.com/x","x")', '"\'=HYPERLINK(""http://example.com/x"",""x"")"'),
    "+": ("+1+2", "'+1+2"),
    "-": ("-12.50", "'-12.50"),
    "@": ("@SUM(1+2)", "'@SUM(1+2)"),
    "tab": ("\t=1+2", "'\t=1+2"),
    "carriage return": ("\r=1+2", '"\'\r=1+2"'),
}


def umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


UMASK = umask()
USUAL_FILE, USUAL_FOLDER = 0o666 & ~UMASK, 0o777 & ~UMASK  # what the processes create without asking
WHO = pwd.getpwuid(os.getuid()).pw_name + ("" if os.getuid() == 0 else " (and root)")


@pytest.fixture(scope="module")
def built(built_warehouse: tuple[Warehouse, subprocess.CompletedProcess]) -> Warehouse:
    warehouse, result = built_warehouse
    assert result.returncode == 0, result.stdout[-3000:]
    return warehouse


def publish_command(built: Warehouse, serving: Path) -> list[str]:
    options = {"--warehouse": built.path, "--serving-dir": serving, "--target-path": built.work / "target"}
    return ["scripts/publish.py", *(str(part) for option in options.items() for part in option)]


def publish_to(built: Warehouse, serving: Path, *extra: str) -> subprocess.CompletedProcess:
    published = script(*publish_command(built, serving), *extra)
    assert published.returncode == 0, published.stderr
    return published


def modes(root: Path) -> dict[str, int]:
    """The permission bits of a folder and of everything in it, by path relative to it (links,
    which have no permissions of their own, left out)."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder) / name
            if not path.is_symlink():
                found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def publication_files(built: Warehouse) -> list[str]:
    """The file names of one publication's Parquet folder: every mart, and the two meta tables."""
    marts = built.query("select table_name from information_schema.tables where table_schema = 'marts'")
    return [f"{name}.parquet" for (name,) in marts] + ["publication.parquet", "publication_tables.parquet"]


def publication_modes(built: Warehouse, folder: str, folder_mode: int, file_mode: int) -> dict[str, int]:
    return {folder: folder_mode, **{f"{folder}/{name}": file_mode for name in publication_files(built)}}


def personal_columns(built: Warehouse) -> dict[str, set[str]]:
    """Mart -> its columns documented as personal data (contains_pii: true) in dbt's manifest."""
    manifest = json.loads((built.work / "target" / "manifest.json").read_text())
    found: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == "marts":
            for column in node["columns"].values():
                if {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}.get("contains_pii"):
                    found.setdefault(node["name"], set()).add(column["name"])
    return found


def parquet_columns(root: Path) -> dict[str, list[str]]:
    """Every Parquet file under a folder (links not followed), by relative path: its columns."""
    con = duckdb.connect()
    try:
        return {
            str(path.relative_to(root)): [
                row[0] for row in con.execute(f"describe from read_parquet('{path}')").fetchall()
            ]
            for folder, _, files in os.walk(root)
            for path in (Path(folder) / name for name in files)
            if path.suffix == ".parquet"
        }
    finally:
        con.close()


def served_id(serving: Path) -> str:
    with duckdb.connect(str(serving / "crm.duckdb"), read_only=True) as con:
        return con.execute("select publication_id from meta.publication").fetchone()[0]


@pytest.fixture(scope="module")
def publications(built: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One serving folder published three times: without personal data, with it, without again;
    after each: its modes, the columns of its Parquet files and the publish's output."""
    serving = tmp_path_factory.mktemp("publications") / "serving"
    steps: dict = {"serving": serving}
    for step, extra in (("first", []), ("personal", ["--include-pii"]), ("after", [])):
        published = publish_to(built, serving, *extra)
        steps[step] = {
            "id": published.stdout.split()[1],
            "stdout": published.stdout,
            "stderr": published.stderr,
            "modes": modes(serving),
            "parquet": parquet_columns(serving),
        }
    return steps


def test_personal_data_is_published_readable_by_its_owner_only(built: Warehouse, publications: dict) -> None:
    serving, first, personal = publications["serving"], publications["first"]["id"], publications["personal"]["id"]
    # the serving folder and parquet/ were there (the first publish made them): they keep their modes,
    # as does the earlier publication without personal data; this one's files are the owner's only
    assert publications["personal"]["modes"] == {
        ".": USUAL_FOLDER,
        ".publish.lock": USUAL_FILE,
        "crm.duckdb": 0o600,
        "parquet": USUAL_FOLDER,
        **publication_modes(built, f"parquet/{first}", USUAL_FOLDER, USUAL_FILE),
        **publication_modes(built, f"parquet/{personal}", 0o700, 0o600),
    }
    written = publications["personal"]["parquet"][f"parquet/{personal}/dim_customer.parquet"]
    assert set(written) & PERSONAL_DIM_CUSTOMER == PERSONAL_DIM_CUSTOMER
    columns = sum(len(names) for names in personal_columns(built).values())
    assert personal_columns(built)["dim_customer"] == PERSONAL_DIM_CUSTOMER and columns == 24
    assert publications["personal"]["stderr"] == (
        "publish: warning: this publication holds personal data (24 column(s) of dim_customer, "
        f"identity_review_queue). Only {WHO} can read it: {serving}/crm.duckdb is mode 0600, "
        f"{serving}/parquet/{personal} is 0700 with its files 0600. Open it only as that user; publish without "
        "--include-pii to serve everyone (that also removes this publication's files)\n"
    )
    assert publications["first"]["stderr"] == ""


def test_default_publication_removes_earlier_personal_data(built: Warehouse, publications: dict) -> None:
    serving = publications["serving"]
    first, personal, after = (publications[step]["id"] for step in ("first", "personal", "after"))
    pii = personal_columns(built)
    # the check finds personal data where it is (the publication with it, before the default one)
    found_before = {
        path: sorted(pii.get(Path(path).stem, set()) & set(columns))
        for path, columns in publications["personal"]["parquet"].items()
    }
    assert found_before[f"parquet/{personal}/dim_customer.parquet"] == sorted(PERSONAL_DIM_CUSTOMER)
    # after a default publish: not one Parquet file under the serving folder with a personal-data column
    left = publications["after"]["parquet"]
    assert sorted({Path(path).parent.name for path in left}) == sorted([first, after])
    assert {path: sorted(pii.get(Path(path).stem, set()) & set(columns)) for path, columns in left.items()} == {
        path: [] for path in left
    }
    con = duckdb.connect(str(serving / "crm.duckdb"), read_only=True)
    served = con.execute(
        "select table_name, list(column_name) from information_schema.columns where table_schema = 'marts' group by 1"
    ).fetchall()
    includes_pii = con.execute("select includes_pii from meta.publication").fetchall()
    con.close()
    assert {table: sorted(pii.get(table, set()) & set(names)) for table, names in served} == {
        table: [] for table, _ in served
    }
    assert includes_pii == [(False,)]
    assert sorted(os.listdir(serving / "parquet")) == sorted([first, after, "current"])
    assert publications["after"]["modes"] == {
        ".": USUAL_FOLDER,
        ".publish.lock": USUAL_FILE,
        "crm.duckdb": USUAL_FILE,
        "parquet": USUAL_FOLDER,
        **publication_modes(built, f"parquet/{first}", USUAL_FOLDER, USUAL_FILE),
        **publication_modes(built, f"parquet/{after}", USUAL_FOLDER, USUAL_FILE),
    }
    assert (
        f"publish: removed the Parquet files of earlier publications with personal data: {serving}/parquet/{personal}\n"
    ) in publications["after"]["stdout"]


def export(serving: Path, out: Path) -> subprocess.CompletedProcess:
    exported = script("scripts/export_audience.py", "value_retention", "--out", str(out), "--serving-dir", str(serving))
    assert exported.returncode == 0, exported.stderr
    return exported


def test_personal_data_in_new_folders_and_exports_is_private(built: Warehouse, tmp_path: Path) -> None:
    serving = tmp_path / "private" / "serving"
    publication = publish_to(built, serving, "--include-pii").stdout.split()[1]
    assert modes(tmp_path / "private") == {
        ".": 0o700,
        "serving": 0o700,
        "serving/.publish.lock": USUAL_FILE,  # empty: what publishes lock
        "serving/crm.duckdb": 0o600,
        "serving/parquet": 0o700,
        **publication_modes(built, f"serving/parquet/{publication}", 0o700, 0o600),
    }

    out = tmp_path / "exports" / "new" / "audience.csv"
    exported = export(serving, out)
    assert modes(tmp_path / "exports") == {".": 0o700, "new": 0o700, "new/audience.csv": 0o600}
    assert exported.stderr == (
        f"export_audience: warning: {out} holds personal data (first_name, last_name, email, phone, address_line, "
        f"postal_code). Only {WHO} can read it (mode 0600); hand it only to the CRM or e-mail tool and delete it once "
        "imported\n"
    )
    assert out.read_text().startswith(GENERIC_HEADER + ",first_name,")
    # a file that was there, readable by everyone, is replaced by one only its owner can read
    existing = tmp_path / "existing.csv"
    existing.write_text("an older export\n")
    existing.chmod(0o644)
    export(serving, existing)
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600 and existing.read_text() == out.read_text()
    assert sorted(os.listdir(tmp_path)) == ["existing.csv", "exports", "private"]  # no temporary file left


def test_without_personal_data_files_keep_the_usual_modes(built: Warehouse, publications: dict, tmp_path: Path) -> None:
    plain = tmp_path / "plain" / "audience.csv"
    assert export(publications["serving"], plain).stderr == ""
    assert modes(tmp_path / "plain") == {".": USUAL_FOLDER, "audience.csv": USUAL_FILE}
    # folders a publication with personal data created (0700) are not loosened; publish says what to do
    serving = tmp_path / "serving"
    shutil.copytree(publications["serving"], serving, symlinks=True)
    for folder in (serving, serving / "parquet"):
        folder.chmod(0o700)
    default = publish_to(built, serving)
    assert modes(serving)["."] == modes(serving)["parquet"] == 0o700
    assert modes(serving)[f"parquet/{default.stdout.split()[1]}"] == USUAL_FOLDER
    folders = f"{serving} {serving}/parquet"
    assert default.stdout.endswith(
        f"publish: note: only {WHO} can open {folders} (a publication with personal data created them, or the umask "
        f"did): BI users cannot read this publication until you run `chmod 755 {folders}`\n"
    )


@pytest.fixture(scope="module")
def hostile_export(publications: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The value_retention audience exported from a copy of the serving copy (without personal
    data) in which the first customers' cities start with a formula character each (the city of
    "-" also has an expected value of -12.50), their company names are empty and their countries US."""
    work = tmp_path_factory.mktemp("hostile")
    shutil.copy(publications["serving"] / "crm.duckdb", work / "crm.duckdb")
    con = duckdb.connect(str(work / "crm.duckdb"))
    keys = con.execute(
        "select customer_key, action, as_of_date from marts.campaign_assignments "
        "where campaign_id = 'value_retention' and assignment_group = 'treatment' order by value_rank limit ?",
        [len(HOSTILE_CITIES)],
    ).fetchall()
    assert len(keys) == len(HOSTILE_CITIES)
    rows = {}
    for (case, (city, _)), (key, action, as_of) in zip(HOSTILE_CITIES.items(), keys, strict=True):
        expected_value = "-12.50" if case == "-" else "12.50"
        con.execute(
            "update marts.dim_customer set city = ?, company_name = null, country = 'US' where customer_key = ?",
            [city, key],
        )
        con.execute(
            "update marts.campaign_assignments set expected_value = ? "
            "where campaign_id = 'value_retention' and customer_key = ?",
            [expected_value, key],
        )
        ids, channel = con.execute(IDS_AND_CHANNEL, [key, key, action]).fetchone()
        rows[case] = (key, action, as_of, expected_value, ids, channel)
    con.close()
    out = work / "audience.csv"
    exported = script("scripts/export_audience.py", "value_retention", "--out", str(out), "--serving-dir", str(work))
    assert exported.returncode == 0, exported.stderr
    return {"text": out.read_bytes().decode(), "rows": rows}


@pytest.mark.parametrize("case", HOSTILE_CITIES)
def test_export_writes_formulas_as_text(hostile_export: dict, case: str) -> None:
    city, cell = HOSTILE_CITIES[case]
    key, action, as_of, expected_value, ids, channel = hostile_export["rows"][case]
    text = hostile_export["text"]
    assert text.startswith(GENERIC_HEADER + ",company_name,city,country\r\n")
    # the written line, exactly: the city has its single quote (inside the CSV quoting when it
    # needs quoting); the expected value, a number, is written as it is, minus sign and all
    line = [line for line in text.split("\r\n") if line.startswith(f"{key},")]
    assert line == [f"{key},{ids},value_retention,{action},{channel},{as_of},{expected_value},,{cell},US"]
    parsed = [row for row in csv.reader(io.StringIO(text, newline="")) if row[0] == key]
    assert parsed == [[key, ids, "value_retention", action, channel, str(as_of), expected_value, "", "'" + city, "US"]]


def start_publish(built: Warehouse, serving: Path) -> subprocess.Popen:
    env = {**os.environ, "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1"}
    command = [sys.executable, *publish_command(built, serving)]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop_while_writing_parquet(process: subprocess.Popen, serving: Path) -> Path:
    """Stops a publish (SIGSTOP) once its new Parquet folder has a file; returns that folder."""
    before = set(os.listdir(serving / "parquet"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the publish ended before it was stopped: {process.communicate()}"
        new = [
            path
            for path in (serving / "parquet").iterdir()
            if path.name not in before and path.is_dir() and not path.is_symlink()
        ]
        if new and any(new[0].glob("*.parquet")):
            process.send_signal(signal.SIGSTOP)
            return new[0]
        time.sleep(0.002)
    raise AssertionError("the publish wrote no Parquet file in 120 s")


def end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.communicate(timeout=60)


def test_killed_publish_leaves_no_litter_and_the_previous_publication_stays(
    built: Warehouse, publications: dict, tmp_path: Path
) -> None:
    serving = tmp_path / "serving"
    shutil.copytree(publications["serving"], serving, symlinks=True)
    previous = publications["after"]["id"]
    killed = start_publish(built, serving)
    try:
        half_written = stop_while_writing_parquet(killed, serving)
        killed.kill()
        killed.communicate(timeout=60)
    finally:
        end(killed)
    staging = sorted(name for name in os.listdir(serving) if name.startswith(".crm.duckdb."))
    assert len(staging) == 2 and staging[1] == staging[0] + ".wal", staging  # the DuckDB file and its log
    assert any(half_written.glob("*.parquet"))

    published = publish_to(built, serving)
    publication = published.stdout.split()[1]
    assert sorted(os.listdir(serving)) == [".publish.lock", "crm.duckdb", "parquet"]
    assert sorted(os.listdir(serving / "parquet")) == sorted([previous, publication, "current"])
    assert os.readlink(serving / "parquet" / "current") == publication and served_id(serving) == publication
    removed = ", ".join(sorted([str(serving / name) for name in staging] + [str(half_written)]))
    assert f"publish: removed the temporary files of killed publishes: {removed}\n" in published.stdout


def test_publish_leaves_the_files_of_a_publish_running_beside_it(
    built: Warehouse, publications: dict, tmp_path: Path
) -> None:
    serving = tmp_path / "serving"
    shutil.copytree(publications["serving"], serving, symlinks=True)
    previous = publications["after"]["id"]
    running = start_publish(built, serving)
    try:
        writing = stop_while_writing_parquet(running, serving)
        staging = sorted(name for name in os.listdir(serving) if name.startswith(".crm.duckdb."))
        files = sorted(os.listdir(writing))
        beside = publish_to(built, serving).stdout.split()[1]
        # the stopped publish's files are as they were; only whole publications count among the two kept
        assert sorted(name for name in os.listdir(serving) if name.startswith(".crm.duckdb.")) == staging
        assert len(staging) == 2 and sorted(os.listdir(writing)) == files
        assert sorted(os.listdir(serving / "parquet")) == sorted([previous, beside, "current", writing.name])
        running.send_signal(signal.SIGCONT)
        stdout, stderr = running.communicate(timeout=120)
    finally:
        end(running)
    assert running.returncode == 0, stderr
    resumed = stdout.split()[1]
    assert sorted(os.listdir(serving)) == [".publish.lock", "crm.duckdb", "parquet"]
    assert sorted(os.listdir(serving / "parquet")) == sorted([resumed, beside, "current"])
    assert os.readlink(serving / "parquet" / "current") == resumed and served_id(serving) == resumed
    assert sorted(os.listdir(serving / "parquet" / resumed)) == sorted(publication_files(built))
