"""A full `dbt build` (seeds, models, data tests, unit tests) on a small generated data set."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, DataSet, Warehouse

Built = tuple[Warehouse, subprocess.CompletedProcess]


def test_dbt_build_passes_every_test(built_warehouse: Built) -> None:
    _, result = built_warehouse
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", result.stdout)
    assert summary, result.stdout[-2000:]
    passed, _, errors, skipped = map(int, summary.groups())
    assert errors == 0 and skipped == 0
    assert passed >= 80, "seeds, models, data tests and unit tests should all have run"
    # the one build of the suite that runs the unit tests (the other builds leave them out)
    unit_tests = re.search(r"Finished running .*?(\d+) unit tests", result.stdout)
    assert unit_tests and int(unit_tests.group(1)) >= 20, result.stdout[-2000:]


def test_schemas_are_exactly_the_documented_ones(built_warehouse: Built) -> None:
    warehouse, _ = built_warehouse
    schemas = {
        row[0]
        for row in warehouse.query(
            "select distinct table_schema from information_schema.tables where table_catalog = current_database()"
        )
    }
    assert schemas <= {"raw", "staging", "intermediate", "marts", "meta"}
    assert {"raw", "staging", "meta"} <= schemas
    # the build ledger publish reads: this build, finished green
    assert warehouse.query("select command, status, failed_node_count from meta.dbt_invocations") == [
        ("build", "success", 0)
    ]


@pytest.mark.parametrize("table", ["customers", "products", "transactions", "interactions"])
def test_staging_keeps_every_raw_row(built_warehouse: Built, small_data: DataSet, table: str) -> None:
    warehouse, _ = built_warehouse
    expected = small_data.summary["row_counts"][table]
    assert warehouse.scalar(f"select count(*) from raw.{table}") == expected
    assert warehouse.scalar(f"select count(*) from staging.stg_crm__{table}") == expected


def test_staging_flags_match_the_generators_truth(built_warehouse: Built, small_data: DataSet) -> None:
    warehouse, _ = built_warehouse
    truth = small_data.summary["defect_counts"]
    flagged = warehouse.query(
        """
        select
            count(*) filter (where birth_date_status = 'sentinel'),
            count(*) filter (where birth_date_status = 'impossible'),
            count(*) filter (where email_normalised is not null and not is_valid_email and not is_placeholder_email),
            count(*) filter (where is_placeholder_email),
            count(*) filter (where is_placeholder_phone),
            count(*) filter (where phone_normalised is not null and not is_valid_phone and not is_placeholder_phone),
            count(*) filter (where not has_address)
        from staging.stg_crm__customers
        """
    )[0]
    assert flagged == (
        truth["sentinel_birth_date"],
        truth["impossible_birth_date"],
        truth["invalid_email"],
        truth["placeholder_email"],
        truth["placeholder_phone"],
        truth["invalid_phone"],
        truth["missing_address"],
    )
    line_flags = warehouse.query(
        """
        select
            count(*) filter (where is_missing_transaction_at),
            count(*) filter (where is_future_transaction_at),
            count(*) filter (where is_non_positive_quantity),
            count(*) filter (where not is_valid_transaction_type)
        from staging.stg_crm__transactions
        """
    )[0]
    # case variants such as ' Sale' are valid once trimmed and lower-cased
    assert line_flags == (truth["missing_timestamp"], truth["future_timestamp"], truth["non_positive_quantity"], 0)


def test_phone_and_email_variants_normalise_to_the_primary_records_value(
    built_warehouse: Built, small_data: DataSet
) -> None:
    """Every duplicate planted with a reformatted phone or a re-cased email matches its person's primary record."""
    warehouse, _ = built_warehouse
    truth = small_data.path / "truth"
    rows = warehouse.query(
        f"""
        with records as (
            select s.*, t.person_id, t.is_duplicate
            from staging.stg_crm__customers as s
            inner join '{truth}/customer_records.parquet' as t using (source_system, customer_id)
        ),
        primary_records as (
            select person_id, phone_normalised, email_normalised, is_valid_phone, is_valid_email
            from records
            where not is_duplicate
        ),
        variants as (
            select r.*, d.variation_kind as defect_kind
            from records as r
            inner join '{truth}/record_variations.parquet' as d
                on d.record_key = r.source_system || '|' || r.customer_id
            where d.variation_kind in ('phone_format_variant', 'email_case_variant')
        ),
        compared as (
            select
                v.defect_kind,
                case v.defect_kind
                    when 'phone_format_variant' then v.phone_normalised = p.phone_normalised
                    else v.email_normalised = p.email_normalised
                end as is_same,
                case v.defect_kind
                    when 'phone_format_variant' then v.phone <> p.phone_normalised
                    else v.email <> p.email_normalised
                end as was_typed_differently
            from variants as v
            inner join primary_records as p using (person_id)
            -- a primary record with its own planted phone or email defect has nothing to match
            where (v.defect_kind = 'phone_format_variant' and p.is_valid_phone)
                or (v.defect_kind = 'email_case_variant' and p.is_valid_email)
        )
        select defect_kind, count(*), count(*) filter (where is_same), count(*) filter (where was_typed_differently)
        from compared
        group by all
        order by all
        """
    )
    assert [kind for kind, *_ in rows] == ["email_case_variant", "phone_format_variant"]
    for kind, total, same, typed_differently in rows:
        assert total > 20, kind
        assert typed_differently > total / 2, f"{kind}: the variants should mostly differ as typed"
        assert same == total, f"{kind}: only {same} of {total} normalise to the primary record's value"


def test_signed_revenue_reconciles_with_raw(built_warehouse: Built) -> None:
    warehouse, _ = built_warehouse
    raw_revenue = warehouse.scalar(
        """
        select sum(case when lower(trim(transaction_type)) = 'return' then -1 else 1 end
                   * (quantity * unit_price - coalesce(discount_amount, 0)))
        from raw.transactions
        """
    )
    assert warehouse.scalar("select sum(net_revenue) from staging.stg_crm__transactions") == raw_revenue


def test_plain_dbt_run_on_a_new_warehouse_builds_every_model(loaded_warehouse: Warehouse) -> None:
    """`dbt seed` then `dbt run` (no tests) builds every model, and records the as-of date in the
    segment history as a build does. Before anything is built, `dbt docs generate` (which
    compiles every model) works too."""
    documented = loaded_warehouse.dbt("docs", "generate")
    assert documented.returncode == 0, documented.stdout[-4000:]
    seeded = loaded_warehouse.dbt("seed")
    assert seeded.returncode == 0, seeded.stdout[-4000:]
    ran = loaded_warehouse.dbt("run")
    assert ran.returncode == 0, ran.stdout[-4000:]
    customers = loaded_warehouse.scalar("select count(*) from marts.customer_lifecycle")
    assert loaded_warehouse.scalar("select count(*) from marts.customer_segment_history") == customers > 0
    # one recorded date: no transition between two dates yet
    assert loaded_warehouse.scalar("select count(*) from marts.segment_migration") == 0


def test_first_build_records_its_as_of_date_in_the_history_mart(built_warehouse: Built) -> None:
    """A new warehouse's first build records its as-of date: every customer of the as-of date
    has one version, from that date on, and the history mart shows it on that date."""
    warehouse, _ = built_warehouse
    as_of = warehouse.scalar("select max(as_of_date) from marts.customer_profitability")
    assert warehouse.query("select as_of_date from intermediate.int_segment_history__recorded_dates") == [(as_of,)]
    assert warehouse.query("select distinct as_of_date from marts.customer_segment_history") == [(as_of,)]
    assert warehouse.query("select distinct valid_from_date, valid_to_date from marts.customer_segment_versions") == [
        (as_of, None)
    ]
    assert (
        warehouse.scalar("select count(*) from marts.customer_segment_history")
        == warehouse.scalar("select count(*) from marts.customer_segment_versions")
        == warehouse.scalar("select count(*) from marts.customer_lifecycle")
        > 0
    )


def test_build_changed_selects_a_changed_model_and_what_reads_it(built_warehouse: Built, tmp_path: Path) -> None:
    """make build-changed's selection, dbt's state:modified+ against the manifest of the last
    green build: a model whose code differs from the saved manifest's, and the models downstream
    of it, and nothing else."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    manifest = json.loads((warehouse.work / "target" / "manifest.json").read_text())
    changed = "model.crm_warehouse.customer_segments"
    manifest["nodes"][changed]["raw_code"] += "\n-- an older version"  # as if its code had changed since
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "manifest.json").write_text(json.dumps(manifest))
    # as a process of its own (dbt ls prints the list, which dbt run in this process does not
    # capture), starting from the build's parse: same folder and warehouse path, so the same profile
    (tmp_path / "target").mkdir()
    shutil.copy(warehouse.work / "target" / "partial_parse.msgpack", tmp_path / "target")
    dbt = [str(Path(sys.executable).parent / "dbt"), "ls", "--project-dir", str(REPO), "--profiles-dir", str(REPO)]
    listed = subprocess.run(
        [*dbt, "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--quiet"]
        + ["--select", "state:modified+", "--state", str(tmp_path / "state"), "--resource-type", "model"],
        capture_output=True,
        text=True,
        check=False,
        cwd=warehouse.work,
        env={**os.environ, "DO_NOT_TRACK": "1", "CRM_WAREHOUSE_PATH": os.path.relpath(warehouse.path, warehouse.work)},
    )
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-3000:]
    names = {line.rsplit(".", 1)[-1] for line in listed.stdout.split()}
    downstream, todo = {changed}, [changed]
    while todo:
        for child in manifest["child_map"][todo.pop()]:
            if child.startswith("model.") and child not in downstream:
                downstream.add(child)
                todo.append(child)
    assert names == {manifest["nodes"][node]["name"] for node in downstream}
    assert len(downstream) > 5 and "dim_customer" not in names
