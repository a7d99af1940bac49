"""Lint-time stand-in for dbt's `var()` (the `var` macro in .sqlfluff calls `var` here).

A var whose value in dbt_project.yml's `vars:` is a list or a mapping (the identity model's
blocking rules, training rules, organisation customer types, address abbreviations) renders
as that value: the identity macros loop over it and check it. Every other var renders as `1`,
as it always has, so thresholds and loop counts (`var(...) | int`) template to SQL, the other
models lint exactly as before, and the unrolled loops (EM iterations, label propagation passes,
chain cuts) render once rather than dozens of times.
"""

from pathlib import Path

import yaml

_PROJECT_FILE = Path(__file__).resolve().parent.parent / "dbt_project.yml"
_VARS = yaml.safe_load(_PROJECT_FILE.read_text(encoding="utf-8")).get("vars") or {}

# Each address abbreviation nests one more replace() around the address (canonical_address in
# macros/identity/identity_standardise.sql); all of them nest deeper than sqlfluff's parser can go
# (max_parse_depth, then Python's recursion limit), so the linter renders the first few. Each
# blocking rule renders the same two CTEs from one template: the first four (both training
# rules, one key and two keys, with and without their own block cap) render every line of it,
# where all seventeen made the identity models' lint more than twice as slow.
_LINT_MAX_ENTRIES = {"identity_address_abbreviations": 3, "identity_blocking_rules": 4}


def var(name, default=None):
    value = _VARS.get(name, default)
    if isinstance(value, dict):
        return dict(sorted(value.items())[: _LINT_MAX_ENTRIES.get(name)])
    if isinstance(value, list):
        return value[: _LINT_MAX_ENTRIES.get(name)]
    return "1"
