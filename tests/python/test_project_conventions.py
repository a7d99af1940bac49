"""Checks over the parsed project (dbt's manifest): rules a reviewer would otherwise have to remember."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Warehouse

VAR_CALL = re.compile(r"""var\(\s*['"](\w+)['"]""")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("parse")
    result = Warehouse(work / "unused.duckdb", work).dbt("parse")
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((work / "target" / "manifest.json").read_text())


def vars_used(manifest: dict, node: dict) -> set[str]:
    """Vars read by a node's SQL or by any macro it calls, directly or through other macros."""
    found = set(VAR_CALL.findall(node.get("raw_code", "")))
    pending, seen = list(node["depends_on"].get("macros", [])), set()
    while pending:
        macro_id = pending.pop()
        if macro_id in seen or macro_id not in manifest["macros"]:
            continue
        seen.add(macro_id)
        macro = manifest["macros"][macro_id]
        found |= set(VAR_CALL.findall(macro["macro_sql"]))
        pending += macro["depends_on"].get("macros", [])
    return found


def test_every_unit_test_pins_every_var_its_model_reads(manifest: dict) -> None:
    """A unit test's expectation holds for the var values it was worked out with: a user who
    builds with other vars (abc_value_metric: revenue) must not see a unit test fail."""
    unpinned = {}
    for test in manifest["unit_tests"].values():
        model = manifest["nodes"][test["depends_on"]["nodes"][0]]
        pinned = set(((test.get("overrides") or {}).get("vars") or {}).keys())
        missing = vars_used(manifest, model) - pinned
        if missing:
            unpinned[test["name"]] = sorted(missing)
    assert not unpinned, f"unit tests that do not pin the vars their model reads: {unpinned}"


def test_vars_used_sees_through_macros(manifest: dict) -> None:
    """The check above is only as good as its var finder: staging reads the phone vars through a macro."""
    staging = manifest["nodes"]["model.crm_warehouse.stg_crm__customers"]
    assert {"phone_country_code", "phone_national_length", "max_customer_age_years"} <= vars_used(manifest, staging)


def mart_parents(nodes: dict, node: dict) -> list[str]:
    return [
        nodes[parent]["name"]
        for parent in node["depends_on"]["nodes"]
        if parent in nodes and "/marts/" in f"/{nodes[parent]['original_file_path']}"
    ]


def test_data_flows_one_way_no_intermediate_model_reads_a_mart(manifest: dict) -> None:
    """staging -> intermediate -> marts: the customer state is computed in intermediate models
    (the state grid), and the marts and the segment history read it, never the other way."""
    nodes = manifest["nodes"]
    backwards = {
        node["name"]: mart_parents(nodes, node)
        for node in nodes.values()
        if node["resource_type"] == "model"
        and "/intermediate/" in f"/{node['original_file_path']}"
        and mart_parents(nodes, node)
    }
    assert not backwards, f"intermediate models that read marts: {backwards}"
    # the check sees what it should: a mart that reads another mart is found by the same test
    assert mart_parents(nodes, nodes["model.crm_warehouse.segment_economics"]) == [
        "customer_segments",
        "customer_profitability",
    ]
