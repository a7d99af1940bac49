"""Small typed helpers over DuckDB connections, shared by the commands."""

from __future__ import annotations

from typing import Any

import duckdb


def one(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The single row a query returns (an aggregate, a lookup that must exist)."""
    row = result.fetchone()
    if row is None:
        raise LookupError("the query returned no row where one was expected")
    return row
