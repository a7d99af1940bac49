"""Every command block of the README works as written, in order, on a copy of the repo.

The copy gets the repo's files (not its data, warehouse or dbt artefacts) and a link to this
.venv; the demo is made small through the Makefile's own size variables, set in the
environment as a user would (`make run DEMO_CUSTOMERS=...` does the same). `make test` is the
command that runs this test, so it is the one command not run again here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import REPO, plain

SMALL_DEMO = {"DEMO_CUSTOMERS": "3000", "DEMO_LINES": "30000", "HISTORY_FROM": "2026-08"}
NOT_RUN_HERE = ("make test",)
ENGINE_SECTION = "Running on Spark or PostgreSQL"
# the marts of the customer state, all at the as-of date of the last build
STATE_MARTS = [
    "campaign_assignments",
    "campaign_candidates",
    "campaign_summary",
    "channel_mix",
    "churn_summary",
    "clv_calibration",
    "clv_model_parameters",
    "cohort_retention",
    "customer_lifecycle",
    "customer_lifetime_value",
    "customer_loyalty_tiers",
    "customer_profitability",
    "customer_segments",
    "economics_by_customer_type",
    "profitability_deciles",
    "segment_economics",
    "service_level_economics",
    "whale_curve",
]


def copy_repo(to: Path) -> None:
    """The repo's files (not its data, warehouse or dbt artefacts) in another folder, with a link to this .venv."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)
    (to / ".venv").symlink_to(Path(sys.executable).parents[1])


def readme_commands(engine: str | None = None) -> list[str]:
    """The commands of every ```sh block, in order (comments stripped, one command a line): of
    one engine's part of "Running on Spark or PostgreSQL" (its ### heading), or of everything
    but that section, whose engines run in make test-postgres and make test-spark (tests/engines/)."""
    text = (REPO / "README.md").read_text()
    sections = {part.split("\n", 1)[0]: part for part in re.split(r"^## ", text, flags=re.M)}
    if engine:
        parts = {part.split("\n", 1)[0]: part for part in re.split(r"^### ", sections[ENGINE_SECTION], flags=re.M)}
        text = parts[engine]
    else:
        text = "".join(part for heading, part in sections.items() if heading != ENGINE_SECTION)
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def run_section(engine: str, tmp_path: Path) -> tuple[list[str], str]:
    """An engine's README commands in one shell (an eval may set settings for the lines after
    it), on a copy of the repo with a small demo data set; returns the commands and the output."""
    repo = tmp_path / "repo"
    copy_repo(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DBT_", "MAKE", "MFLAGS"))}
    small = ["DEMO_CUSTOMERS=2000", "DEMO_LINES=20000"]
    generated = subprocess.run(["make", "generate", *small], cwd=repo, env=env, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    commands = readme_commands(engine)
    shell = "set -euo pipefail\n" + "\n".join(commands) + "\n"
    ran = subprocess.run(["bash", "-c", shell], cwd=repo, env=env, capture_output=True, text=True, check=False)
    output = plain(ran)
    assert ran.returncode == 0, output[-6000:]
    assert re.search(r"Done\. PASS=\d+ WARN=\d+ ERROR=0 SKIP=0", output), output[-3000:]
    return commands, output


def segment_history(warehouse: Path) -> list[tuple]:
    """Every recorded version of the segment history."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select * from marts.customer_segment_versions order by all").fetchall()
    finally:
        con.close()


def test_readme_has_the_commands_a_user_needs() -> None:
    commands = readme_commands()
    assert commands[:2] == ["make run", "make test"]
    assert any("backfill_history.py" in c for c in commands)
    assert any("--selector customer_state" in c for c in commands)
    assert any("serving/crm.duckdb" in c for c in commands) and "make report" in commands
    # one section for the other engines, a part each, with the commands make test-postgres and
    # make test-spark run
    assert any("--target postgres" in c for c in readme_commands("PostgreSQL"))
    assert any("--target spark" in c for c in readme_commands("Spark"))
    assert not re.search(r"\.\./shared|SPEC section|STYLE rule", (REPO / "README.md").read_text())


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    copy_repo(repo)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CRM_", "DBT_", "DEMO_", "HISTORY_", "MAKE", "MFLAGS")) or key == "CRM_DUCKDB_THREADS"
    }
    env.update(SMALL_DEMO, DO_NOT_TRACK="1")
    history_before = None
    for command in readme_commands():
        if command in NOT_RUN_HERE:
            continue
        if "--selector customer_state" in command:
            history_before = segment_history(repo / "warehouse.duckdb")
        result = subprocess.run(command, shell=True, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        if command == "make run":
            assert (repo / "warehouse.duckdb").exists()
            assert (repo / "serving" / "crm.duckdb").exists() and (repo / "serving" / "report.html").exists()
        if "backfill_history.py --from 2026-09 --to 2026-10" in command:
            assert "already recorded" in result.stdout, "make run recorded these months already"

    con = duckdb.connect(str(repo / "warehouse.duckdb"), read_only=True)
    try:
        periods = [
            str(d)
            for (d,) in con.execute(
                "select as_of_date from intermediate.int_segment_history__recorded_dates order by 1"
            ).fetchall()
        ]
        assert periods == ["2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31"]
        # the last build rebuilt every customer-state mart as of 2025-06-30, the history untouched
        state_marts = con.execute(
            "select table_name from information_schema.columns where table_schema = 'marts' "
            "and column_name = 'as_of_date' "
            "and table_name not in ('customer_segment_history', 'campaign_assignment_history') order by 1"
        ).fetchall()
        assert [t for (t,) in state_marts] == STATE_MARTS
        for (table,) in state_marts:
            dates = con.execute(f"select distinct as_of_date from marts.{table}").fetchall()
            assert [str(d) for (d,) in dates] == ["2025-06-30"], table
    finally:
        con.close()
    assert history_before and segment_history(repo / "warehouse.duckdb") == history_before
    assert list((repo / "target" / "compiled" / "crm_warehouse" / "analyses").glob("*.sql"))
