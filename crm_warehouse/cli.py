"""`crm COMMAND [options]`: one entry point for the warehouse's commands (`crm COMMAND --help`)."""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("crm_warehouse.generate_data", "Generate a demo raw data set"),
    "load": ("crm_warehouse.load_raw", "Load raw CSV/Parquet files into the warehouse"),
    "history": ("crm_warehouse.backfill_history", "Record the segment history of past month-ends"),
    "publish": ("crm_warehouse.publish", "Publish the marts of the last green build for BI tools"),
    "report": ("crm_warehouse.report", "Write the HTML report from the serving copy"),
    "export": ("crm_warehouse.export_audience", "Write a campaign's audience as a CSV for a CRM or e-mail tool"),
    "plant-lift": ("crm_warehouse.plant_lift", "Plant a known campaign lift in generated data"),
    "benchmark": ("crm_warehouse.benchmark", "Time and measure generate, load, build and test per size"),
    "baselines": ("crm_warehouse.baselines", "The plain-SQL and pandas baselines the benchmark compares with"),
    "local-postgres": ("crm_warehouse.engines.local_postgres", "Start or stop a throwaway local PostgreSQL server"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    listed = "\n".join(f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items())
    return f"usage: crm COMMAND [options]   (crm COMMAND --help for its options)\n\ncommands:\n{listed}"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"crm: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    sys.argv[0] = f"crm {command}"
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    sys.exit(main())
