#!/usr/bin/env python3
"""Record the customer segment history of past month-ends, in one pass.

The customer state of every month-end is already in the warehouse after `dbt build` (the
month-end state grid). This command asks dbt to record the month-ends from --from to --to in
the segment history (the var record_history_month_ends of the history models, passed as the
environment variable CRM_RECORD_HISTORY_MONTH_ENDS so dbt reuses its parse): a new version
for a customer only where a tracked value (ABC class, decile, RFM segment, lifecycle stage,
loyalty tier) changed from one recorded date to the next, with validity in business time,
exactly as recording them month by month would. Without --from and --to the months are every
month-end the state grid holds (from history_start_date, or the data's first month, to the last
day of the data). dbt does the work and the checks, on any engine (--target); this command only
orchestrates.

History is append-only and never runs ahead of the data (dbt refuses, and nothing is recorded):
- a month-end already recorded is skipped (re-recording it changes nothing);
- a month-end earlier than the latest recorded one that is not recorded yet is refused
  (history cannot be inserted into the past) unless --rebuild starts history afresh;
- a month-end after the last day of the trusted transactions, or before the first, is refused.
A backfill that stops part-way (a failure, Ctrl-C) completes when the same command runs again.

    scripts/backfill_history.py --from 2025-01 --to 2025-12
    scripts/backfill_history.py --rebuild          # every month-end the data covers, afresh
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from crm_warehouse.db import project_dir

REPO = project_dir()
# the recorders, the ledger of recorded dates after them, and the history marts
RECORD = ["int_segment_history__state_changes+", "int_segment_history__period_revenue+"]
# the month-ends to record, as JSON {"from": "YYYY-MM", "to": "YYYY-MM"} (either may be null),
# for the macro segment_history_dates_to_record: what the var record_history_month_ends asks
MONTH_ENDS_ENV = "CRM_RECORD_HISTORY_MONTH_ENDS"


class BackfillError(Exception):
    """A backfill dbt refused or could not finish."""


def month(text: str) -> dt.date:
    try:
        parsed = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month written YYYY-MM") from exc
    return parsed


def failures(result: object, caught: list[str]) -> list[str]:
    """The messages of the nodes a dbt invocation failed on, or of the operation (caught from
    dbt's events: a failed operation reports its error only there)."""
    messages = [*caught, str(getattr(result, "exception", None) or "")]
    for node in getattr(getattr(result, "result", None), "results", None) or []:
        if str(getattr(node, "status", "")) in ("error", "fail") and getattr(node, "message", None):
            name = getattr(getattr(node, "node", None), "name", None)
            messages.append(f"{name}: {node.message}" if name else str(node.message))
    return [line for line in messages if line]


def dbt(args: list[str], target: str | None) -> None:
    from dbt.cli.main import dbtRunner

    caught: list[str] = []

    def catch(event: object) -> None:
        if event.info.name in ("RunningOperationCaughtError", "RunningOperationUncaughtError"):  # type: ignore[attr-defined]
            caught.append(event.data.exc)  # type: ignore[attr-defined]

    targeted = [*args, *(["--target", target] if target else [])]
    runner = dbtRunner(callbacks=[catch])
    result = runner.invoke([*targeted, "--project-dir", str(REPO), "--profiles-dir", str(REPO), "--quiet"])
    if not result.success:
        messages = failures(result, caught) or ["see the dbt log above"]
        raise BackfillError("; ".join(dict.fromkeys(reason(message) for message in messages)))


def reason(message: str) -> str:
    """A refusal of the history's checks is a compilation error raised in the macro
    segment_history_dates_to_record: its reason is the text between the header and the macro
    trace (lines starting with '>'). Other failures keep the model's name and dbt's words."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if "in macro segment_history_dates_to_record" in message and "Compilation Error" in lines[0]:
        return " ".join(line for line in lines[1:] if not line.startswith(">"))
    return " ".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--from", dest="first", type=month, help="first month, YYYY-MM (default: the first month-end the data covers)"
    )
    parser.add_argument(
        "--to", dest="last", type=month, help="last month, YYYY-MM (default: the last month-end the data covers)"
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the recorded history first and start afresh")
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("CRM_WAREHOUSE_PATH", REPO / "warehouse.duckdb")),
        help="DuckDB file (default: $CRM_WAREHOUSE_PATH or warehouse.duckdb)",
    )
    parser.add_argument("--target", help="dbt target of profiles.yml (default: its default, DuckDB)")
    args = parser.parse_args(argv)
    if args.first and args.last and args.last < args.first:
        parser.error("--to must not be before --from")
    os.environ["CRM_WAREHOUSE_PATH"] = str(args.warehouse)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    request = {key: f"{day:%Y-%m}" if day else None for key, day in (("from", args.first), ("to", args.last))}
    # the request goes through the environment, not --vars: other vars make dbt parse the whole
    # project again (about 5 s), the environment variable is read only when the recorder runs
    os.environ[MONTH_ENDS_ENV] = json.dumps(request)

    started = time.perf_counter()
    try:
        if args.target in (None, "dev") and not args.warehouse.exists():
            raise BackfillError(f"{args.warehouse}: no warehouse; run `make run` (or load and `dbt build`) first")
        if args.rebuild:
            # it checks the recording first (as if nothing were recorded): a refusal drops nothing
            dbt(["run-operation", "forget_segment_history"], args.target)
            print("backfill: recorded history dropped (--rebuild)", flush=True)
        # after --rebuild the incremental migration mart starts afresh too (the recorders keep
        # their rows through a full refresh)
        dbt(["run", "--select", *RECORD, *(["--full-refresh"] if args.rebuild else [])], args.target)
        print(f"backfill: done in {time.perf_counter() - started:.1f}s; the history marts are rebuilt")
    except BackfillError as exc:
        print(f"backfill: refused: {exc}", file=sys.stderr)
        return 2
    finally:
        os.environ.pop(MONTH_ENDS_ENV, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
