"""The serving copy BI tools open (scripts/publish.py) and the report drawn from it (scripts/report.py).

One warehouse for the whole file: built from the small data set without its latest lines (a
later daily batch) and with the segment history recorded except its last three month-ends
(a later backfill), then published. The tests that read come first; then readers poll the
serving copy while it is rebuilt, appended to and backfilled; then builds that are killed or
fail must publish nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import NO_TESTS, REPO, DataSet, Warehouse, load
from crm_warehouse.report.page import SECTIONS
from serving_helpers import (
    PYTHON,
    backfill,
    browse,
    hold_back_latest_lines,
    month_ends_recorded,
    pii_findings,
    publication_id,
    publish,
    run,
    serving_query,
)

SCREENSHOT = REPO / "test-output" / "report.png"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, small_data: DataSet) -> dict:
    work = tmp_path_factory.mktemp("served")
    initial, batch = hold_back_latest_lines(small_data.path, work, 0.02)
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(initial, warehouse.path)
    # the data tests pass in test_dbt_build; publishing needs a build that finished green
    build = warehouse.dbt("build", "--exclude", *NO_TESTS)
    assert build.returncode == 0, build.stdout[-3000:]
    last = warehouse.scalar("select max(state_date) from intermediate.int_customer_state__dates where is_month_end")
    first_held_back = (last.replace(day=1) - dt.timedelta(days=62)).replace(day=1)  # the last three month-ends
    recorded = backfill(warehouse, "--rebuild", "--to", f"{first_held_back - dt.timedelta(days=1):%Y-%m}")
    assert recorded.returncode == 0, recorded.stderr
    published = publish(warehouse)
    assert published.returncode == 0, published.stderr
    return {"warehouse": warehouse, "batch": batch, "backfill_from": first_held_back}


def test_serving_copy_has_every_mart_with_its_docs_and_row_counts(served: dict) -> None:
    warehouse: Warehouse = served["warehouse"]
    build_marts = {
        row[0]
        for row in warehouse.query("select table_name from information_schema.tables where table_schema = 'marts'")
    }
    published = dict(serving_query(warehouse, "select table_name, row_count from meta.publication_tables"))
    assert set(published) == build_marts
    for name, rows in published.items():
        assert warehouse.scalar(f'select count(*) from marts."{name}"') == rows, name
    # descriptions from the dbt docs are table and column comments BI tools can read
    manifest = json.loads((warehouse.work / "target" / "manifest.json").read_text())
    models = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    comments = {
        (row[0], row[1]): row[2]
        for row in serving_query(
            warehouse, "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'"
        )
    }
    table_comments = dict(
        serving_query(warehouse, "select table_name, comment from duckdb_tables() where schema_name = 'marts'")
    )
    assert set(models) == build_marts
    for name, node in models.items():
        assert table_comments[name] == node["description"].strip(), name
        for column in node["columns"].values():
            if (name, column["name"]) in comments:
                assert comments[(name, column["name"])] == column["description"].strip(), (name, column["name"])
    as_of = serving_query(warehouse, "select as_of_date from meta.publication")[0][0]
    assert as_of == warehouse.scalar("select max(as_of_date) from marts.customer_profitability")
    parquet = warehouse.work / "serving" / "parquet" / "current"
    con = duckdb.connect()
    for name, rows in published.items():
        assert con.execute(f"select count(*) from '{parquet / (name + '.parquet')}'").fetchone()[0] == rows
        key_values = dict(
            con.execute(
                f"select decode(key), decode(value) from parquet_kv_metadata('{parquet / (name + '.parquet')}')"
            ).fetchall()
        )
        assert key_values["publication_id"] == publication_id(warehouse)
        # the dbt docs travel with the file: the table's description and each column's
        assert key_values["description"] == models[name]["description"].strip(), name
        described = {column["name"]: column["description"].strip() for column in models[name]["columns"].values()}
        in_file = json.loads(key_values["column_descriptions"])
        kept = {row[0] for row in con.execute(f"describe select * from '{parquet / (name + '.parquet')}'").fetchall()}
        assert in_file == {column: text for column, text in described.items() if column in kept and text}, name
    con.close()


def test_serving_copy_has_no_personal_data_unless_asked(served: dict, tmp_path: Path) -> None:
    warehouse: Warehouse = served["warehouse"]
    serving = warehouse.work / "serving" / "crm.duckdb"
    assert pii_findings(warehouse, serving) == []
    withheld = serving_query(
        warehouse, "select withheld_columns from meta.publication_tables where table_name = 'dim_customer'"
    )
    assert sorted(withheld[0][0]) == [
        "address_line",
        "birth_date",
        "email",
        "first_name",
        "last_name",
        "phone",
        "phone_e164",
        "postal_code",
    ]
    # what analysis needs instead is there, and agrees with the build's identifiers
    mismatched = serving_query(
        warehouse,
        f"""attach '{warehouse.path}' as build (read_only);
        select count(*) from marts.dim_customer as s inner join build.marts.dim_customer as b using (customer_key)
        where s.email_domain is distinct from nullif(split_part(b.email, '@', 2), '')
            or s.birth_year is distinct from year(b.birth_date)
            or s.postal_area is distinct from upper(left(replace(b.postal_code, ' ', ''), 3))""",
    )
    assert mismatched == [(0,)]
    # the same check finds them when a trusted user asks for personal data
    trusted = run(
        "scripts/publish.py",
        "--warehouse",
        str(warehouse.path),
        "--serving-dir",
        str(tmp_path),
        "--target-path",
        str(warehouse.work / "target"),
        "--include-pii",
        warehouse=warehouse,
    )
    assert trusted.returncode == 0, trusted.stderr
    findings = pii_findings(warehouse, tmp_path / "crm.duckdb")
    assert any(f.startswith("dim_customer.email:") for f in findings), findings
    assert any(f.startswith("dim_customer.phone:") for f in findings), findings
    assert any(f.startswith("dim_customer.birth_date:") for f in findings), findings


def test_browser_checks_can_fail(tmp_path: Path) -> None:
    """The report test's checks catch what they look for: a script error on the console, and a
    page that reaches for the network."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<html><body><img src="https://example.com/logo.png"><script>notDefinedAnywhere();</script></body></html>'
    )
    run, urls = browse(page, "--dump-dom")
    assert "notDefinedAnywhere" in "".join(line for line in run.stderr.splitlines() if "CONSOLE" in line)
    assert "https://example.com/logo.png" in urls


@pytest.fixture(scope="module")
def report(served: dict) -> dict:
    """The report of the served warehouse, written once: its page and its embedded data."""
    warehouse: Warehouse = served["warehouse"]
    out = warehouse.work / "report.html"
    written = run(
        "scripts/report.py", "--serving-dir", str(warehouse.work / "serving"), "--out", str(out), warehouse=warehouse
    )
    assert written.returncode == 0, written.stderr
    page = out.read_text()
    embedded = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert embedded
    return {"path": out, "page": page, "data": json.loads(embedded.group(1).replace("<\\/", "</"))}


def test_report_renders_offline_in_a_browser(report: dict) -> None:
    # the page itself references nothing on the web; the embedded chart library (plotly.js) holds
    # URL strings for features the report does not use (maps, its logo), and the NetLog below
    # shows the browser requests none of them
    own_markup = re.sub(r'<script id="chart-library">.*?</script>', "", report["page"], flags=re.S)
    assert "http" not in own_markup.lower()

    dom, urls = browse(report["path"], "--dump-dom")
    assert urls == []
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    assert '<div id="report-errors"></div>' in dom.stdout
    charts = re.findall(r'<div id="chart-([a-z_]+)"', dom.stdout)
    assert charts == [key for key, _ in SECTIONS]
    for chart in charts:
        body = dom.stdout.split(f'<div id="chart-{chart}"', 1)[1][:200000]
        assert re.search(r'<svg class="main-svg"', body), f"{chart} has no rendered SVG"
        assert re.search(r'<g class="(?:trace|hm|bars|heatmaplayer|scatterlayer)', body), f"{chart} has no traces"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shot, _ = browse(report["path"], f"--screenshot={SCREENSHOT}")
    assert shot.returncode == 0 and SCREENSHOT.stat().st_size > 50_000, shot.stderr[-2000:]
    print(f"report screenshot: {SCREENSHOT}")


def test_report_numbers_match_the_marts(served: dict, report: dict) -> None:
    warehouse: Warehouse = served["warehouse"]
    data = report["data"]
    assert data["whale_curve"][-1]["cumulative_net_profit_share"] == pytest.approx(1)
    assert sum(r["net_profit_share"] for r in data["profit_deciles"]) == pytest.approx(1)
    month0 = [r["retention_rate"] for r in data["cohort_retention"] if r["months_since_acquisition"] == 0]
    assert month0 and all(rate == 1 for rate in month0)
    migration = data["segment_migration"]
    earlier = serving_query(
        warehouse,
        f"select count(*) from marts.customer_segment_history where as_of_date = '{migration['from_period']}'",
    )[0][0]
    assert earlier > 0 and sum(r["customer_count"] for r in migration["rows"]) == earlier
    calibration = serving_query(
        warehouse, "select sum(customer_count), sum(actual_holdout_purchases) from marts.clv_calibration"
    )[0]
    assert (
        sum(r["customer_count"] for r in data["clv_calibration"]),
        sum(r["actual_holdout_purchases"] for r in data["clv_calibration"]),
    ) == calibration
    scored = serving_query(
        warehouse, "select count(*) from marts.customer_lifetime_value where predicted_clv is not null"
    )
    assert sum(r["customer_count"] for r in data["clv_value_shift"]) == scored[0][0] > 0
    served_deciles = serving_query(
        warehouse, "select profit_decile, customer_count, net_profit_share from marts.profitability_deciles order by 1"
    )
    assert [
        (r["profit_decile"], r["customer_count"], r["net_profit_share"]) for r in data["profit_deciles"]
    ] == served_deciles
    # the campaigns chart counts the assignments themselves; the service levels cover every class
    assignments = serving_query(
        warehouse,
        "select campaign_id, count(*) filter (where assignment_group = 'treatment'), "
        "count(*) filter (where assignment_group = 'control') from marts.campaign_assignments group by 1 order by 1",
    )
    assert [(r["campaign_id"], r["treatment_customers"], r["control_customers"]) for r in data["campaigns"]] == (
        assignments
    )
    classes = serving_query(warehouse, "select count(distinct abc_class) from marts.customer_segments")[0][0]
    assert len(data["service_levels"]) == classes


def test_report_sentences_match_an_independent_computation(served: dict, report: dict) -> None:
    # the whale-curve sentence, checked against the top tenth of customers computed here: the
    # first ceil(n / 10) customers by net profit (ties by key), as ntile(10) makes decile 1
    warehouse: Warehouse = served["warehouse"]
    said = report["data"]["sentences"]
    top_share = warehouse.scalar(
        """with ranked as (
            select net_profit, row_number() over (order by net_profit desc, customer_key) as position,
                count(*) over () as customers
            from marts.customer_profitability
        )
        select sum(net_profit) filter (where position <= ceil(customers / 10)) / sum(net_profit) from ranked"""
    )
    assert f"10% of customers earn {float(top_share) * 100:.0f}% of net profit" in said["whale_curve"]
    treated = warehouse.scalar(
        "select count(*) from marts.campaign_assignments "
        "where campaign_id = 'growth' and assignment_group = 'treatment'"
    )
    assert f"growth contacts {treated:,} of " in said["campaigns"]
    for sentence in said.values():
        print(f"  {sentence}")


def wait_until_read(log: Path, publication: str) -> None:
    """Until the reader's log shows it has read this publication (a minute at most)."""
    deadline = time.monotonic() + 60
    while not (log.exists() and publication in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)


def test_readers_always_see_one_whole_publication(served: dict, tmp_path: Path) -> None:
    warehouse: Warehouse = served["warehouse"]
    serving = warehouse.work / "serving" / "crm.duckdb"
    log, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader_script = str(Path(__file__).with_name("serving_reader.py"))
    options = ["--serving", str(serving), "--log", str(log), "--stop", str(stop), "--interval", "0.1"]
    reader = subprocess.Popen([PYTHON, reader_script, *options])
    bi_connection = duckdb.connect(str(serving), read_only=True)  # a dashboard left open all along
    first = bi_connection.execute("select publication_id from meta.publication").fetchone()[0]
    ids = [first]
    try:
        wait_until_read(log, first)  # the reader has started and read the publication before the steps
        steps = [
            # first, while the history's latest recorded month-end is still the one before them
            ("3-month backfill", lambda: backfill(warehouse, "--from", f"{served['backfill_from']:%Y-%m}")),
            (
                "append a daily batch",
                lambda: run(
                    "scripts/load_raw.py",
                    str(served["batch"]),
                    "--append",
                    "--warehouse",
                    str(warehouse.path),
                    warehouse=warehouse,
                ),
            ),
            ("build after the batch", lambda: warehouse.dbt("build", "--exclude", *NO_TESTS)),
        ]
        for name, step in steps:
            result = step()
            assert result.returncode == 0, f"{name}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
            if name != "append a daily batch":
                published = publish(warehouse)
                assert published.returncode == 0, f"{name}: {published.stderr}"
                # (from its output: DuckDB hands this process the copy bi_connection holds open)
                ids.append(published.stdout.split()[1])
        wait_until_read(log, ids[-1])  # and the last one, before it stops
        # the dashboard's connection still reads the publication it opened, whole
        assert bi_connection.execute("select publication_id from meta.publication").fetchone()[0] == first
        assert bi_connection.execute("select count(*) from marts.fct_sales").fetchone()[0] > 0
    finally:
        stop.touch()
        reader.wait(timeout=60)
        bi_connection.close()
    reads = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [r for r in reads if "error" in r or r["problems"]]
    assert errors == [], errors[:5]
    seen = {r["publication_id"] for r in reads}
    # every publication, the one before the steps and one after each step that built
    assert len(reads) >= 50 and seen == set(ids) and len(ids) == 3, (len(reads), seen, ids)
    recorded = month_ends_recorded(warehouse)
    assert [day for day in recorded if day >= served["backfill_from"]][:3] == [
        dt.date(2026, 7, 31),
        dt.date(2026, 8, 31),
        dt.date(2026, 9, 30),
    ]


def test_killed_or_failed_build_publishes_nothing(served: dict) -> None:
    warehouse: Warehouse = served["warehouse"]
    before = publication_id(warehouse)
    env = {**os.environ, "CRM_WAREHOUSE_PATH": str(warehouse.path), "DBT_PROFILES_DIR": str(REPO), "DO_NOT_TRACK": "1"}
    build = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "dbt"),
            "build",
            "--full-refresh",
            "--project-dir",
            str(REPO),
            "--target-path",
            str(warehouse.work / "target-killed"),
            "--log-path",
            str(warehouse.work / "logs"),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in build.stdout:  # kill it once it has rebuilt a first model: the ledger says running
        if "OK created" in line:
            break
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=60)
    refused = publish(warehouse)
    assert refused.returncode == 2 and "did not finish" in refused.stderr, refused.stderr
    assert publication_id(warehouse) == before

    # the killed full refresh may have dropped dim_customer: rebuild just it for the next case
    rebuilt = warehouse.dbt("run", "--select", "dim_customer")
    assert rebuilt.returncode == 0, rebuilt.stdout[-2000:]
    # a failing data test: a customer type the contract does not know
    warehouse.execute(
        "update marts.dim_customer set customer_type = 'B2X' where customer_key = "
        "(select min(customer_key) from marts.dim_customer)"
    )
    tested = warehouse.dbt("test", "--select", "dim_customer")
    assert tested.returncode == 1
    refused = publish(warehouse)
    assert refused.returncode == 2 and "failed or skipped" in refused.stderr, refused.stderr
    assert publication_id(warehouse) == before

    # a green partial rebuild as of another date: the marts disagree on their as-of date
    partial = warehouse.dbt(
        "run", "--select", "int_customer_state__as_of customer_lifecycle", vars={"as_of_date": "2026-03-31"}
    )
    assert partial.returncode == 0, partial.stdout[-2000:]
    refused = publish(warehouse)
    assert refused.returncode == 2 and "not at one as-of date" in refused.stderr, refused.stderr
    assert "customer_lifecycle: 2026-03-31" in refused.stderr
    assert publication_id(warehouse) == before
