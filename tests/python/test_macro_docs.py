"""Every macro of the project, and every generic test (the macro test_<name>), is described in
macros/_macros.yml with each of its arguments: checked on the parsed project (dbt's manifest),
so a macro added, or an argument added to a macro, without its description fails here."""

from __future__ import annotations

import copy
import re

import yaml
from dbt_common.clients.jinja import get_environment
from jinja2 import nodes

from conftest import REPO

PACKAGE = "crm_warehouse"
MACRO_DOCS = REPO / "macros" / "_macros.yml"
# the comment line that opens the entries of one file, e.g. `  # macros/cross_db/count_where.sql`
FILE_COMMENT = re.compile(r"^\s*# ((?:macros|tests)/\S+\.sql)$")
# an entry of `macros:` (its arguments' names are indented further)
ENTRY = re.compile(r"^  - name: (\w+)$")


def project_macros(manifest: dict) -> dict[str, dict]:
    """The macros this project defines (not dbt's nor an adapter's), by name."""
    return {macro["name"]: macro for macro in manifest["macros"].values() if macro["package_name"] == PACKAGE}


def signature(macro: dict) -> list[str]:
    """The names of a macro's arguments as its Jinja definition declares them, in order."""
    tree = get_environment().parse(macro["macro_sql"])
    for definition in tree.find_all(nodes.Macro):
        if definition.name.removeprefix("dbt_macro__") == macro["name"]:
            return [argument.name for argument in definition.args]
    raise AssertionError(f"{macro['name']}: no definition of it in its own macro_sql")


def undocumented(manifest: dict) -> dict[str, str]:
    """The project's macros whose description is missing or incomplete, each with what is wrong:
    no description, arguments listed other than the macro's own, or an argument without a type
    or a description."""
    problems = {}
    for name, macro in sorted(project_macros(manifest).items()):
        listed = [argument["name"] for argument in macro["arguments"]]
        incomplete = [
            argument["name"]
            for argument in macro["arguments"]
            if not (argument.get("description") or "").strip() or not (argument.get("type") or "").strip()
        ]
        if not (macro.get("description") or "").strip():
            problems[name] = "no description"
        elif listed != signature(macro):
            problems[name] = f"arguments listed {listed}, but the macro takes {signature(macro)}"
        elif incomplete:
            problems[name] = f"arguments without a type or a description: {incomplete}"
    return problems


def documented_files() -> dict[str, list[str]]:
    """The names of the entries of macros/_macros.yml, under the file comment they follow."""
    entries: dict[str, list[str]] = {}
    current = "(before any file comment)"
    for line in MACRO_DOCS.read_text().splitlines():
        if comment := FILE_COMMENT.match(line):
            current = comment.group(1)
        elif entry := ENTRY.match(line):
            entries.setdefault(current, []).append(entry.group(1))
    return entries


def test_every_macro_and_every_argument_is_described(manifest: dict) -> None:
    macros = project_macros(manifest)
    assert len(macros) > 100, sorted(macros)
    # the generic tests are macros too, and their descriptions attach
    assert "test_unique_combination_of_columns" in macros
    problems = undocumented(manifest)
    assert not problems, f"macros to describe in macros/_macros.yml: {sorted(problems)}\n{problems}"


def test_the_docs_name_only_macros_that_exist_each_once_under_its_file(manifest: dict) -> None:
    """dbt only warns about an entry for a macro that does not exist (renamed or removed)."""
    macros = project_macros(manifest)
    names = [entry["name"] for entry in yaml.safe_load(MACRO_DOCS.read_text())["macros"]]
    unknown = sorted(set(names) - set(macros))
    assert not unknown, f"macros/_macros.yml describes macros that do not exist: {unknown}"
    repeated = sorted({name for name in names if names.count(name) > 1})
    assert not repeated, f"macros/_macros.yml describes these macros more than once: {repeated}"
    misplaced = {
        name: f"under {path}, defined in {macros[name]['original_file_path']}"
        for path, entries in documented_files().items()
        for name in entries
        if name in macros and macros[name]["original_file_path"] != path
    }
    assert not misplaced, f"entries under another file's comment: {misplaced}"
    assert sorted(name for entries in documented_files().values() for name in entries) == sorted(names)


def test_the_check_finds_what_is_missing(manifest: dict) -> None:
    """The check above sees what it should: a blank description, an argument without a
    description and an argument the YAML does not list are each reported, and nothing else."""
    broken = {"macros": copy.deepcopy(manifest["macros"])}
    macros = project_macros(broken)
    macros["count_where"]["description"] = " "
    macros["abc_class"]["arguments"][1]["description"] = ""
    macros["signed_line_amount"]["arguments"].pop()
    assert sorted(undocumented(broken)) == ["abc_class", "count_where", "signed_line_amount"]
    assert "running_positive_value" in undocumented(broken)["abc_class"]
    assert "discount" in undocumented(broken)["signed_line_amount"]
    # the signature reader sees defaults and the generic tests' own tag
    assert signature(macros["label_propagation"]) == ["name", "nodes", "edges", "passes", "within"]
    assert signature(macros["test_expression_is_true"]) == ["model", "expression"]
