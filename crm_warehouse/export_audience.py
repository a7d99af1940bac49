#!/usr/bin/env python3
"""Write a campaign's audience as the CSV file a CRM or e-mail tool imports.

Reads the published serving copy (never the build warehouse): the campaign's treatment group
in marts.campaign_assignments (the control group is held out and not written), one row per
customer with the pseudonymous customer key, the action, the audience's as-of date and
expected value, and the contact fields the serving copy's personal-data policy allows. A
serving copy published without personal data (the default) has no names, email or phone:
the file then carries the key, city and country, and the CRM tool looks the contacts up by
key. Publish with `make publish PUBLISH_PII=1` (trusted users only) to include them.

A file with personal data (names, email, phone, address, postal code) is readable by its owner
only: mode 0600, written under a temporary name and renamed over --out, in folders created 0700
when --out's folder does not exist yet; a warning on stderr says so. Without personal data the
file and its folders are created as the umask allows.

Spreadsheet formulas are written as text: a text value that starts with =, +, -, @, a tab or a
carriage return (a city of `=HYPERLINK(...)`, say) gets a single quote in front (`'=HYPERLINK(...)`),
so a spreadsheet that opens the file shows it instead of running it; the CSV quoting stays as
usual (a value with a comma, a double quote or a line break is enclosed in double quotes). Only
text is changed: numbers and dates are written as they are (an expected_value of -12.50 stays
-12.50; it is a number, not a formula).

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
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import duckdb

from crm_warehouse.db import one, project_dir
from crm_warehouse.serving_files import PRIVATE_FILE, make_folders, owner

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
# the contact fields that are personal data (a company's name, a city or a country are not)
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "address_line", "postal_code")
# what a spreadsheet takes for the start of a formula (OWASP's list for CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def as_text(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, with a single quote in front; anything
    else (numbers, dates, other text) as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@contextmanager
def output(path: Path, private: bool) -> Iterator[TextIO]:
    """The file to write the CSV to. With private: created 0600 under a temporary name in its folder
    and renamed over `path` once written (a file that was there, readable by others or not, is
    replaced, never opened), its missing folders created 0700. Something that is not a regular
    file (a pipe, /dev/stdout) is written to directly."""
    if not private or (path.exists() and not path.resolve().is_file()):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as handle:
            yield handle
        return
    target = path.resolve()
    make_folders(target.parent, private=True)
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(descriptor, PRIVATE_FILE)  # exactly 0600, whatever the umask
        with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
            yield handle
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("campaign", help="campaign id, as in seeds/campaigns.csv (e.g. value_retention)")
    parser.add_argument(
        "--out", type=Path, required=True, help="CSV file to write (mode 0600 when it holds personal data)"
    )
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="the published serving copy's folder (default: $CRM_SERVING_DIR or serving/)",
    )
    args = parser.parse_args(argv)
    try:
        header, rows, publication_id = audience(args.serving_dir / "crm.duckdb", args.campaign)
        personal = [field for field in PERSONAL_FIELDS if field in header]
        with output(args.out, private=bool(personal)) as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([as_text(value) for value in row] for row in rows)
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
    if personal:
        print(
            f"export_audience: warning: {args.out} holds personal data ({', '.join(personal)}). Only {owner()} can "
            "read it (mode 0600); hand it only to the CRM or e-mail tool and delete it once imported",
            file=sys.stderr,
        )
    print(
        "export_audience: after sending, record the launch so its result is measured: add the line "
        f"`{args.campaign},{as_of}` to seeds/campaign_launches.csv and run `make build`"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
