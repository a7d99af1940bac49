"""Checks over the parsed project (dbt's manifest): rules a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import json
import re
import subprocess

import sqlglot
import yaml
from sqlglot import expressions

from conftest import REPO, Warehouse

VAR_CALL = re.compile(r"""var\(\s*['"](\w+)['"]""")


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


# The layers in the order data flows through them; seeds are reference data in the raw schema
# and count as sources.
LAYERS = ("raw", "staging", "intermediate", "marts", "history")


def layer(node: dict) -> str:
    if node["resource_type"] == "seed":
        return "raw"
    folders = node["original_file_path"].split("/")
    return "history" if folders[1:3] == ["marts", "history"] else folders[1]


def most_layer_switches(nodes: dict) -> tuple[int, list[str]]:
    """The most times a path of models changes layer (staging -> intermediate -> marts -> history
    marts is three), and that path."""
    models = {node_id: node for node_id, node in nodes.items() if node["resource_type"] == "model"}
    best: dict[str, tuple[int, list[str]]] = {}

    def walk(node_id: str) -> tuple[int, list[str]]:
        if node_id not in best:
            node, found = models[node_id], (0, [models[node_id]["name"]])
            for parent in node["depends_on"]["nodes"]:
                if parent in models:
                    switches, path = walk(parent)
                    switches += layer(models[parent]) != layer(node)
                    found = max(found, (switches, [*path, node["name"]]), key=lambda pair: (pair[0], len(pair[1])))
            best[node_id] = found
        return best[node_id]

    return max((walk(node_id) for node_id in models), key=lambda pair: (pair[0], len(pair[1])))


def test_layers_staging_reads_only_input_and_paths_switch_layer_at_most_three_times(manifest: dict) -> None:
    """A newcomer can draw the DAG: staging reads only sources and seeds; data never flows back to
    an earlier layer; and no path of models changes layer more than three times (staging ->
    intermediate -> marts -> history marts)."""
    nodes = manifest["nodes"]
    staging_reading_models = {
        node["name"]: parents
        for node in nodes.values()
        if node["resource_type"] == "model" and layer(node) == "staging"
        for parents in [[p for p in node["depends_on"]["nodes"] if p in nodes and nodes[p]["resource_type"] != "seed"]]
        if parents
    }
    assert staging_reading_models == {}
    backwards = [
        f"{nodes[parent]['name']} -> {node['name']}"
        for node in nodes.values()
        if node["resource_type"] == "model"
        for parent in node["depends_on"]["nodes"]
        if parent in nodes and LAYERS.index(layer(nodes[parent])) > LAYERS.index(layer(node))
    ]
    assert backwards == []
    switches, path = most_layer_switches(nodes)
    assert 2 <= switches <= 3, path
    # the bound sees what it should: a mart that read a history mart would make a fourth switch
    reader = dict(nodes["model.crm_warehouse.campaign_summary"])
    reader["depends_on"] = {"nodes": [*reader["depends_on"]["nodes"], "model.crm_warehouse.campaign_results"]}
    assert most_layer_switches({**nodes, "model.crm_warehouse.campaign_summary": reader})[0] == 4


def test_every_as_of_mart_checks_it_holds_the_build_as_of_date(manifest: dict) -> None:
    """Every mart computed as of one date (tagged customer_state, with an as_of_date column)
    carries the generic test is_the_build_as_of_date on that column, and no other model does:
    a new as-of mart without it fails here, so the check is never a list kept by hand."""
    nodes = manifest["nodes"]
    as_of_marts = {
        node_id
        for node_id, node in nodes.items()
        if node["resource_type"] == "model"
        and node["schema"] == "marts"
        and "customer_state" in node["tags"]
        and "as_of_date" in node["columns"]
    }
    checked = [
        (test["attached_node"], test["column_name"])
        for test in nodes.values()
        if test["resource_type"] == "test"
        and (test.get("test_metadata") or {}).get("name") == "is_the_build_as_of_date"
    ]
    assert sorted(checked) == sorted((node_id, "as_of_date") for node_id in as_of_marts)
    assert len(as_of_marts) >= 16


def test_every_model_has_a_primary_key_test_and_only_staging_reads_sources(manifest: dict) -> None:
    nodes = manifest["nodes"]
    keyed = {
        test["attached_node"]
        for test in nodes.values()
        if test["resource_type"] == "test"
        and (test.get("test_metadata") or {}).get("name") in ("unique", "unique_combination_of_columns")
    }
    models = {node_id: node for node_id, node in nodes.items() if node["resource_type"] == "model"}
    assert not sorted(node["name"] for node_id, node in models.items() if node_id not in keyed)
    reading_sources = sorted(
        node["name"]
        for node in models.values()
        if "/staging/" not in f"/{node['original_file_path']}"
        and any(parent.startswith("source.") for parent in node["depends_on"]["nodes"])
    )
    assert not reading_sources, f"models past staging that read a source: {reading_sources}"


def test_every_column_of_every_relation_is_described(
    built_warehouse: tuple[Warehouse, subprocess.CompletedProcess],
) -> None:
    """Every column of every table and view dbt built (models, snapshots, seeds) has a
    description in its YAML: the warehouse itself is compared with the docs, so a column added
    to the SQL and forgotten in the YAML is found. Ephemeral models have no relation: their
    YAML columns must be described."""
    warehouse, result = built_warehouse
    assert result.returncode == 0
    manifest = json.loads((warehouse.work / "target" / "manifest.json").read_text())
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in warehouse.query(
        "select table_schema, table_name, column_name from information_schema.columns"
    ):
        columns.setdefault((schema, table), []).append(column)
    undescribed, checked = {}, 0
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "snapshot", "seed"):
            continue
        described = {name for name, column in node["columns"].items() if (column.get("description") or "").strip()}
        if node["config"]["materialized"] == "ephemeral":
            built = list(node["columns"])
            assert built, f"{node['name']}: an ephemeral model documents its columns in YAML"
        else:
            built = columns[(node["schema"], node.get("alias") or node["name"])]
        checked += 1
        missing = [name for name in built if name not in described]
        if missing:
            undescribed[node["name"]] = missing
    assert checked > 60
    assert not undescribed, f"columns without a description: {undescribed}"


def test_the_quarantine_reasons_have_one_home(manifest: dict) -> None:
    """The reasons live in macros/quality/quarantine_reasons.sql; the screening, the scorecard's rule
    counts and the accepted-values test read it. The docs block is prose, so it is checked against it here."""
    macro = manifest["macros"]["macro.crm_warehouse.quarantine_reasons"]["macro_sql"]
    codes = re.findall(r"'code': '(\w+)'", macro)
    assert len(codes) == 14
    documented = re.findall(r"`(\w+)`", manifest["docs"]["doc.crm_warehouse.reason_code"]["block_contents"])
    assert documented == codes, "the reason_code docs block lists the reasons in another order or misses one"
    screening = manifest["nodes"]["model.crm_warehouse.int_transactions__screened"]["raw_code"]
    scorecard = manifest["nodes"]["model.crm_warehouse.int_quality__rule_counts_by_source"]["raw_code"]
    assert "quarantine_reasons()" in screening and "quarantine_reasons()" in scorecard
    # a code as a word of its own (is_return_beyond_sales is a column, not the code)
    by_hand = [code for code in codes if re.search(rf"\b{code}\b", screening)]
    assert not by_hand, "a reason written out by hand in the screening"
    # the rule counts have an interactions rule that happens to share the name unknown_customer
    by_hand = [code for code in codes if re.search(rf"\b{code}\b", scorecard) and code != "unknown_customer"]
    assert not by_hand, "written out by hand"


def primary_keys(manifest: dict) -> dict[str, list[list[str]]]:
    """Mart name -> the column sets its uniqueness tests hold unique (its grain)."""
    nodes, keys = manifest["nodes"], {}
    for test in nodes.values():
        metadata = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or metadata.get("name") not in ("unique", "unique_combination_of_columns"):
            continue
        model = nodes.get(test.get("attached_node") or "", {})
        if model.get("schema") == "marts" and model.get("resource_type") == "model":
            kwargs = metadata["kwargs"]
            columns = [kwargs["column_name"]] if "column_name" in kwargs else kwargs["combination_of_columns"]
            keys.setdefault(model["name"], []).append(columns)
    return keys


# the column a history mart's key names the recorded date by
RECORDED_DATE_COLUMNS = {"as_of_date", "to_period", "valid_from_date", "launched_on"}


def naming_problems(keys: dict[str, list[list[str]]], folders: dict[str, str]) -> list[str]:
    broken = []
    for name, sets in keys.items():
        single = {columns[0] for columns in sets if len(columns) == 1}
        if name.startswith(("dim_", "fct_")) and not any(column.endswith("_key") for column in single):
            broken.append(f"{name}: a dim_/fct_ mart needs a one-column *_key")
        if single == {"customer_key"} and not name.startswith("customer_") and name != "dim_customer":
            broken.append(f"{name}: one row per customer, so named customer_*")
        per_customer = name.startswith("customer_") and folders[name] != "history" and name != "customer_identity_map"
        if per_customer and "customer_key" not in single:
            broken.append(f"{name}: named customer_* but not one row per customer")
        if folders[name] == "history" and not any(RECORDED_DATE_COLUMNS & set(columns) for columns in sets):
            broken.append(f"{name}: a history mart is keyed by the date it was recorded")
    return broken


def test_mart_names_say_their_grain(manifest: dict) -> None:
    """The naming rule of DECISIONLOG ("Mart names"): dim_ and fct_ marts have a one-column
    surrogate key; a mart of one row per customer is named customer_* (or dim_customer); a
    customer_* mart outside the history is one row per customer, but the identity map (one row
    per source record); history marts are keyed by the date they were recorded."""
    keys = primary_keys(manifest)
    folders = {
        node["name"]: node["original_file_path"].split("/")[2]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert set(keys) == set(folders), "every mart has a uniqueness test"
    assert naming_problems(keys, folders) == []
    # the rule finds what it should: a per-customer mart under another name, a history mart without its date
    keys["profitability"], folders["profitability"] = keys["customer_profitability"], "profitability"
    keys["customer_segment_history"] = [["customer_key"]]
    assert naming_problems(keys, folders) == [
        "customer_segment_history: a history mart is keyed by the date it was recorded",
        "profitability: one row per customer, so named customer_*",
    ]


def test_python_files_and_functions_stay_small() -> None:
    """At most 400 lines a Python file and 60 a function (DECISIONLOG, "Python as a package"):
    a file or function that grows past them is split, not let through."""
    files = subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True)
    too_long = []
    for name in files.stdout.split():
        source = (REPO / name).read_text()
        if len(source.splitlines()) > 400:
            too_long.append(f"{name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
                too_long.append(f"{name}: {node.name}() has {node.end_lineno - node.lineno + 1} lines")
    assert len(files.stdout.split()) > 40
    assert too_long == []


def test_unit_test_names_fit_an_identifier_on_every_engine(manifest: dict) -> None:
    """dbt creates a relation named after each unit test; PostgreSQL cuts identifiers at 63
    bytes and refuses longer ones."""
    too_long = [test["name"] for test in manifest["unit_tests"].values() if len(test["name"].encode()) > 63]
    assert len(manifest["unit_tests"]) > 15 and too_long == []


def test_every_var_has_a_rule_in_the_validators_table() -> None:
    """validate_vars checks each var by its row in var_rules(): a var added to dbt_project.yml
    without a row would go unchecked, a row without a var would check nothing."""
    project_vars = set(yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"])
    table = (REPO / "macros" / "project" / "validate_vars.sql").read_text()
    ruled = re.findall(r"\{'name': '(\w+)', 'kind': '(\w+)'", table)
    assert len(project_vars) > 40
    assert sorted(name for name, _ in ruled) == sorted(project_vars)
    kinds = set(re.findall(r"kind == '(\w+)'", table)) | {"rules"}  # rules: checked where they are read
    assert {kind for _, kind in ruled} <= kinds


def marts_the_report_reads() -> set[str]:
    """The marts the report's queries read (crm_warehouse/report/queries/), parsed, not grepped."""
    read = set()
    for path in sorted((REPO / "crm_warehouse" / "report" / "queries").glob("*.sql")):
        for tree in sqlglot.parse(path.read_text(), read="duckdb"):
            if tree is not None:
                read |= {table.name for table in tree.find_all(expressions.Table) if table.db == "marts"}
    return read


def exposure_gaps(manifest: dict, exposure: str, read: set[str]) -> tuple[set[str], set[str]]:
    """The marts read but not named by the exposure, and those named but not read."""
    named = {
        manifest["nodes"][node]["name"]
        for node in manifest["exposures"][f"exposure.crm_warehouse.{exposure}"]["depends_on"]["nodes"]
    }
    return read - named, named - read


def test_the_reports_exposure_names_every_mart_the_report_reads(manifest: dict) -> None:
    """dbt's lineage (dbt docs, `dbt ls --select +exposure:customer_value_report`) is only as
    true as the exposure; the check catches a mart the report reads that the exposure leaves out."""
    read = marts_the_report_reads()
    assert {"customer_profitability", "customer_lifetime_value", "campaign_summary"} <= read
    assert exposure_gaps(manifest, "customer_value_report", read) == (set(), set())
    # the same check on a manifest whose exposure forgot one mart
    forgetful = json.loads(json.dumps(manifest))
    nodes = forgetful["exposures"]["exposure.crm_warehouse.customer_value_report"]["depends_on"]["nodes"]
    nodes.remove("model.crm_warehouse.campaign_summary")
    assert exposure_gaps(forgetful, "customer_value_report", read) == ({"campaign_summary"}, set())
