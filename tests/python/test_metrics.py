"""MetricFlow on the serving copy: `mf query` with CRM_TARGET=serving reads the published copy
read-only, never the build warehouse, and its numbers equal the marts."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO, Warehouse, script

Built = tuple[Warehouse, subprocess.CompletedProcess]
MF = Path(sys.executable).with_name("mf")


def mf_query(project: Path, serving: Path, out: Path, *query: str) -> list[dict]:
    """`mf query ... --csv out` run as a BI analyst would, in a project folder whose target/
    holds the build's semantic manifest, with the build warehouse's path pointing nowhere: any
    attempt to open it would fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "DBT_"))}
    env |= {
        "CRM_TARGET": "serving",
        "CRM_SERVING_DIR": str(serving),
        "CRM_WAREHOUSE_PATH": str(project / "absent" / "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(project),
    }
    ran = subprocess.run(
        [str(MF), "query", *query, "--csv", str(out), "--quiet"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert ran.returncode == 0, (ran.stdout + ran.stderr)[-3000:]
    assert not (project / "absent").exists()
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def metrics_project(tmp_path_factory: pytest.TempPathFactory, built_warehouse: Built) -> tuple[Path, Path, Warehouse]:
    """The repo's project files linked into a folder of its own, with the built warehouse's
    semantic manifest in its target/ (where mf reads it), and the warehouse published."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    project = tmp_path_factory.mktemp("metrics")
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml", "models", "macros", "seeds", "snapshots", "tests"):
        if (REPO / name).exists():
            (project / name).symlink_to(REPO / name)
    (project / "target").mkdir()
    shutil.copy(warehouse.work / "target" / "semantic_manifest.json", project / "target")
    serving = project / "serving"
    published = script(
        "scripts/publish.py",
        *("--warehouse", str(warehouse.path), "--serving-dir", str(serving)),
        *("--target-path", str(warehouse.work / "target")),
    )
    assert published.returncode == 0, published.stderr
    return project, serving, warehouse


def test_mf_query_on_the_serving_copy_equals_the_marts(metrics_project: tuple[Path, Path, Warehouse]) -> None:
    project, serving, warehouse = metrics_project
    kpis = mf_query(project, serving, project / "kpis.csv", "--saved-query", "report_kpis")
    expected = warehouse.query(
        "select as_of_date, sum(revenue), sum(net_profit), sum(cost_to_serve), count(*) "
        "from marts.customer_profitability group by as_of_date"
    )
    assert [
        (
            row["metric_time__day"][:10],
            round(Decimal(row["window_revenue"]), 2),
            round(Decimal(row["window_net_profit"]), 2),
            round(Decimal(row["window_cost_to_serve"]), 2),
            int(row["window_customers"]),
        )
        for row in kpis
    ] == [(str(day), revenue, net, cost, customers) for day, revenue, net, cost, customers in expected]
    monthly = mf_query(
        project,
        serving,
        project / "monthly.csv",
        *("--metrics", "revenue,customers", "--group-by", "metric_time__month", "--order", "metric_time__month"),
    )
    by_month = warehouse.query(
        "select date_trunc('month', transaction_date), sum(net_revenue), count(distinct customer_key) "
        "from marts.fct_sales group by 1 order by 1"
    )
    got = sorted(
        (row["metric_time__month"][:10], round(Decimal(row["revenue"]), 2), int(row["customers"])) for row in monthly
    )
    assert got == [(str(month)[:10], revenue, customers) for month, revenue, customers in by_month]
    assert len(got) >= 12
