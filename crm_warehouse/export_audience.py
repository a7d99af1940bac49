#!/usr/bin/env python3
"""Write a campaign's audience as the CSV file a CRM or e-mail tool imports.

Reads the published serving copy (never the build warehouse): the campaign's treatment group
in marts.campaign_assignments (the control group is held out and not written), one row per
customer with the pseudonymous customer key, the action, the audience's as-of date and
expected value, and the contact fields the serving copy's personal-data policy allows. A
serving copy published without personal data (the default) has no names, email or phone:
the file then carries the key, city and country, and the CRM tool looks the contacts up by
key. Publish with `make publish PUBLISH_PII=1` (trusted users only) to include them.

After sending, record the launch so the campaign's result is measured (campaign_results):
add the line this command prints to seeds/campaign_launches.csv and run `make build`.

    scripts/export_audience.py value_retention --out value_retention.csv
    scripts/export_audience.py growth --out /tmp/growth.csv --serving-dir /srv/crm/serving
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import duckdb

from crm_warehouse.db import one, project_dir

REPO = project_dir()
# contact fields, in file order, written when the serving copy holds them
CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "address_line",
    "postal_code",
    "city",
    "country",
)


class ExportError(Exception):
    """The audience cannot be exported; the message says why."""


def served_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position",
            [table],
        ).fetchall()
    ]


def audience(serving: Path, campaign: str) -> tuple[list[str], list[tuple], str]:
    """The header and rows of the campaign's treatment group, and the publication id."""
    if not serving.exists():
        raise ExportError(f"{serving}: no published serving copy; run `make build` (or scripts/publish.py) first")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        if "campaign_id" not in served_columns(con, "campaign_summary"):
            raise ExportError(f"{serving}: has no campaign marts; rebuild and publish with `make build`")
        publication_id = one(con.execute("select publication_id from meta.publication"))[0]
        known = [row[0] for row in con.execute("select campaign_id from marts.campaign_summary order by 1").fetchall()]
        if campaign not in known:
            raise ExportError(
                f"unknown campaign {campaign!r}; the campaigns are: {', '.join(known) or 'none'} "
                "(defined in seeds/campaigns.csv)"
            )
        counts = dict(
            con.execute(
                "select assignment_group, count(*) from marts.campaign_assignments where campaign_id = ? group by 1",
                [campaign],
            ).fetchall()
        )
        if not counts.get("treatment"):
            as_of = one(con.execute("select as_of_date from meta.publication"))[0]
            raise ExportError(
                f"campaign {campaign!r} has no one to contact as of {as_of}: no customer met an action's rule with "
                "a positive expected value within the budget (see marts.campaign_candidates for who was eligible "
                "and why they were suppressed; budgets are in seeds/campaigns.csv)"
            )
        contacts = [field for field in CONTACT_FIELDS if field in set(served_columns(con, "dim_customer"))]
        header = ["customer_key", "campaign_id", "action", "as_of_date", "expected_value", *contacts]
        select_contacts = "".join(f", customers.{field}" for field in contacts)
        rows = con.execute(
            "select assignments.customer_key, assignments.campaign_id, assignments.action, assignments.as_of_date, "
            f"assignments.expected_value{select_contacts} "
            "from marts.campaign_assignments as assignments "
            "left join marts.dim_customer as customers on assignments.customer_key = customers.customer_key "
            "where assignments.campaign_id = ? and assignments.assignment_group = 'treatment' "
            "order by assignments.value_rank",
            [campaign],
        ).fetchall()
        return header, rows, publication_id
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("campaign", help="campaign id, as in seeds/campaigns.csv (e.g. value_retention)")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="the published serving copy's folder (default: $CRM_SERVING_DIR or serving/)",
    )
    args = parser.parse_args(argv)
    try:
        header, rows, publication_id = audience(args.serving_dir / "crm.duckdb", args.campaign)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    except (ExportError, duckdb.Error, OSError) as exc:
        print(f"export_audience: refused: {exc}", file=sys.stderr)
        return 2
    as_of = rows[0][3]
    withheld = [field for field in CONTACT_FIELDS if field not in header]
    print(
        f"export_audience: {len(rows)} customers of campaign {args.campaign} (as of {as_of}, publication "
        f"{publication_id}) written to {args.out}"
    )
    if withheld:
        print(f"export_audience: not in the file (personal data not published): {', '.join(withheld)}")
    print(
        "export_audience: after sending, record the launch so its result is measured: add the line "
        f"`{args.campaign},{as_of}` to seeds/campaign_launches.csv and run `make build`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
