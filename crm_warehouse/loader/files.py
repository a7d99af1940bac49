"""Finding the raw files in a folder and reading CSV headers, with errors a user can act on."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import duckdb

from crm_warehouse.loader.contract import CONTRACT, CSV_DELIMITERS, EXTENSIONS, LoadError


def table_of(path: Path) -> str | None:
    name = path.name.lower()
    for ext in EXTENSIONS:
        if name.endswith(ext):
            return name[: -len(ext)]
    return None


def discover(folder: Path, append: bool) -> dict[str, Path]:
    """Map contract tables to files in the folder; sub-folders (such as truth/) are ignored."""
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a folder")
    problems: list[str] = []
    found: dict[str, Path] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        table = table_of(path)
        if table not in CONTRACT:
            problems.append(
                f"{path.name}: unexpected file; the raw contract accepts {', '.join(CONTRACT)} "
                f"as {', '.join(EXTENSIONS)}"
            )
        elif table in found:
            problems.append(
                f"{path.name}: table {table!r} is already given by {found[table].name}; keep one file per table"
            )
        else:
            found[table] = path
    if not append:
        for spec in CONTRACT.values():
            if spec.required and spec.name not in found:
                problems.append(
                    f"{spec.name}: required file missing (expected {spec.name}.parquet or {spec.name}.csv in {folder})"
                )
    if not found and not problems:
        problems.append(f"{folder}: no raw files to load")
    if problems:
        raise LoadError("\n".join(problems))
    return found


def csv_header(path: Path) -> tuple[list[str], str]:
    """The header names and the delimiter of a CSV file (read from its first line only)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            first = handle.readline().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: line 1 is not UTF-8 text; save the file as UTF-8") from exc
    except (OSError, EOFError) as exc:
        raise LoadError(f"{path.name}: cannot be read: {exc}") from exc
    if not first.strip():
        raise LoadError(f"{path.name}: the file is empty (not even a header row)")
    delimiter = max(CSV_DELIMITERS, key=first.count)
    names = next(csv.reader(io.StringIO(first), delimiter=delimiter, quotechar='"', doublequote=True))
    names = [name.strip() or f"column{number}" for number, name in enumerate(names, start=1)]
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            raise LoadError(f"{path.name}: the header names column {name!r} twice")
        seen.add(name.lower())
    return names, delimiter


CSV_ERROR = re.compile(r"CSV Error on Line: (\d+)\s*\nOriginal Line: (.*?)\n(.*?)(?:\n|$)", re.S)


def csv_error_words(name: str, exc: duckdb.Error) -> str:
    """DuckDB's CSV error as one line a user can act on: the file, the line and what is wrong."""
    text = str(exc)
    match = CSV_ERROR.search(text)
    if not match:
        return f"{name}: cannot be read as CSV: {text.splitlines()[0]}"
    line, original, problem = match.group(1), match.group(2), match.group(3).strip()
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if columns:
        problem = f"has {columns.group(2)} fields where the header has {columns.group(1)}"
    elif "unterminated quote" in text:
        problem = "has a quoted value that is never closed"
    elif "Invalid unicode" in text:
        problem = "is not UTF-8 text (save the file as UTF-8)"
    return f"{name}: line {line} {problem}: {original[:200]!r}"
