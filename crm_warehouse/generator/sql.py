"""The generator's queries: Jinja templates in queries/ (one statement or a few per file,
linted by sqlfluff like the dbt models), rendered with the helper macros of
queries/macros/helpers.sql."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

QUERIES = Path(__file__).parent / "queries"

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(QUERIES),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,
)
_helpers = _ENV.get_template("macros/helpers.sql").module
_ENV.globals.update({name: getattr(_helpers, name) for name in ("pick", "cumulative_case", "phone_digits")})


def render(name: str, context: dict[str, Any]) -> str:
    """The SQL of queries/NAME.sql for these values; a value the template needs and the context
    lacks is an error, not an empty string."""
    return _ENV.get_template(f"{name}.sql").render(context)


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def cumulative_cuts(shares: Mapping[str, float], kinds: tuple[str, ...]) -> list[float]:
    """The running sums of the named shares, as the thresholds of one mutually exclusive draw
    (rounded to 10 digits, so 0.4 + 0.15 is the 0.55 it is meant to be)."""
    cuts, acc = [], 0.0
    for kind in kinds:
        acc += shares[kind]
        cuts.append(round(acc, 10))
    return cuts
