"""The generator's queries: Jinja templates in queries/ (one statement or a few per file,
linted by sqlfluff like the dbt models), rendered with the helper macros of
queries/macros/helpers.sql."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
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
_ENV.globals.update(
    {name: getattr(_helpers, name) for name in ("pick", "cumulative_case", "phone_digits", "replace_chars")}
)


def render(name: str, context: dict[str, Any]) -> str:
    """The SQL of queries/NAME.sql for these values; a value the template needs and the context
    lacks is an error, not an empty string."""
    return _ENV.get_template(f"{name}.sql").render(context)


def sql_string(value: str) -> str:
    """A DuckDB string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join(sql_string(v) for v in values) + "]"


def sql_map(mapping: Mapping[str, str] | Mapping[str, tuple[str, ...]]) -> str:
    """A DuckDB map of strings to strings or to lists of strings."""
    values = [sql_string(v) if isinstance(v, str) else sql_list(v) for v in mapping.values()]
    return f"map({sql_list(list(mapping))}, [{', '.join(values)}])"


def _sql_text(text: str) -> str:
    """A string expression with each non-ASCII letter as chr(code point): a decomposed (NFD)
    letter written as text could be recomposed by whatever handles the SQL on its way."""
    parts = [sql_string(c) if c.isascii() else f"chr({ord(c)})" for c in text]
    return " || ".join(parts) if parts else "''"


def accent_replacements(
    names: Iterable[str], fallbacks: Mapping[str, str]
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """For each accented letter in the names, its code point and two replacements as SQL: the
    letter without its accents (the fallback where Unicode has no decomposition, as for ø) and
    its Unicode NFD form (letters without one are left out)."""
    folds, decompositions = [], []
    for letter in sorted({c for name in names for c in name if not c.isascii()}):
        nfd = unicodedata.normalize("NFD", letter)
        plain = "".join(c for c in nfd if not unicodedata.combining(c))
        folds.append((ord(letter), _sql_text(plain if plain.isascii() else fallbacks[letter])))
        if nfd != letter:
            decompositions.append((ord(letter), _sql_text(nfd)))
    return folds, decompositions


def cumulative_cuts(shares: Mapping[str, float], kinds: tuple[str, ...]) -> list[float]:
    """The running sums of the named shares, as the thresholds of one mutually exclusive draw
    (rounded to 10 digits, so 0.4 + 0.15 is the 0.55 it is meant to be)."""
    cuts, acc = [], 0.0
    for kind in kinds:
        acc += shares[kind]
        cuts.append(round(acc, 10))
    return cuts
