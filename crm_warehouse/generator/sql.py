"""SQL snippets the generator composes its queries from."""

from __future__ import annotations


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def pick(list_sql: str, salt: str, key: str) -> str:
    """SQL that picks one element of a list literal uniformly by a hash draw."""
    return f"({list_sql})[1 + floor(u('{salt}', {key}) * len({list_sql}))::int]"


def cumulative_case(salt: str, key: str, options: tuple[tuple[str, float], ...]) -> str:
    """SQL CASE that picks a label by cumulative weights (weights need not sum to 1)."""
    total = sum(w for _, w in options)
    parts, acc = [], 0.0
    for label, weight in options[:-1]:
        acc += weight / total
        parts.append(f"when u('{salt}', {key}) < {acc:.10f} then '{label}'")
    return f"case {' '.join(parts)} else '{options[-1][0]}' end"
