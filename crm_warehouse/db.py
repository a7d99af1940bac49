"""Small helpers shared by the commands: the project folder, typed query results."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb


def project_dir() -> Path:
    """The dbt project the commands work on: $CRM_PROJECT_DIR, else the nearest folder up from
    the working directory that holds dbt_project.yml (as dbt itself finds it), else the folder
    this package was installed from."""
    if os.environ.get("CRM_PROJECT_DIR"):
        return Path(os.environ["CRM_PROJECT_DIR"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "dbt_project.yml").is_file():
            return folder
    return Path(__file__).resolve().parents[1]


def one(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The single row a query returns (an aggregate, a lookup that must exist)."""
    row = result.fetchone()
    if row is None:
        raise LookupError("the query returned no row where one was expected")
    return row
