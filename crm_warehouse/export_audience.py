#!/usr/bin/env python3
"""Write a campaign's audience as the CSV file a CRM or e-mail tool imports.

Reads the published serving copy (never the build warehouse): the campaign's treatment group
in marts.campaign_assignments (the control group is held out and not written), one row per
customer with the pseudonymous customer key, the ids the source systems know them by, the
action and its channel, the audience's as-of date and expected value, and the contact fields
the serving copy's personal-data policy allows. A serving copy published without personal
data (the default) has no names, email or phone: the file then carries the keys, city and
country, and the CRM tool looks the contacts up by key. Publish with `make publish
PUBLISH_PII=1` (trusted users only) to include them: phones in E.164 (+15551234567). The tools'
layouts write names, companies, streets and cities in display case; generic writes them as
stored.

--profile names the columns as the importing tool does (export_profiles.py): generic (this
project's names, every channel), mailchimp (Email Address required; e-mail actions), hubspot
(Email, First Name, Last Name; every channel) or braze (external_id = the customer key; e-mail
and SMS actions). Rows the tool cannot take (an action on a channel it does not send on, no
email where it needs one) are left out and counted. Campaigns never select a customer who may
not be contacted on the action's channel (marts.customer_contactability), so no profile
writes one.

A file with personal data (names, email, phone, address, postal code) is readable by its owner
only: mode 0600, written under a temporary name and renamed over --out, in folders created 0700
when --out's folder does not exist yet; a warning on stderr says so. Without personal data the
file and its folders are created as the umask allows.

Spreadsheet formulas are written as text: a text value that starts with =, +, -, @, a tab or a
carriage return (a city of `=HYPERLINK(...)`, say) gets a single quote in front (`'=HYPERLINK(...)`),
so a spreadsheet that opens the file shows it instead of running it; the CSV quoting stays as
usual (a value with a comma, a double quote or a line break is enclosed in double quotes). Only
text is changed: numbers and dates are written as they are (an expected_value of -12.50 stays
-12.50; it is a number, not a formula), and so is a phone in E.164 (+15551234567: a plus and
digits only, which a spreadsheet reads as a number and the importing tool needs as it is).

After sending, record the launch so the campaign's result is measured (campaign_results):
add the line this command prints to seeds/campaign_launches.csv and run `make build`.

    scripts/export_audience.py value_retention --out value_retention.csv
    scripts/export_audience.py growth --profile braze --out /tmp/growth.csv --serving-dir /srv/crm/serving
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import duckdb

from crm_warehouse.db import one, project_dir
from crm_warehouse.export_profiles import (
    DISPLAY_FIELDS,
    PERSONAL_FIELDS,
    PROFILES,
    Profile,
    display_case,
    missing_required,
    usable_columns,
)
from crm_warehouse.serving_files import PRIVATE_FILE, make_folders, owner

REPO = project_dir()
# what a spreadsheet takes for the start of a formula (OWASP's list for CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# a phone in E.164: a plus, then 8 to 15 digits and nothing else (not a formula)
E164 = re.compile(r"\+[1-9][0-9]{7,14}")


class ExportError(Exception):
    """The audience cannot be exported; the message says why."""


@dataclass
class Audience:
    """What the file holds: its header, the fields behind it, the rows, and what was left out."""

    header: list[str]
    fields: list[str]
    rows: list[tuple]
    publication_id: str
    as_of: Any
    left_out: list[str]
    withheld: list[str]  # the profile's personal-data fields the serving copy does not hold


def served_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position",
            [table],
        ).fetchall()
    ]


def check_campaign(con: duckdb.DuckDBPyConnection, serving: Path, campaign: str) -> None:
    """Refuses a serving copy without campaigns, one an older version of this project published
    (no channels or contact permissions), an unknown campaign and one nobody is in."""
    if "campaign_id" not in served_columns(con, "campaign_summary"):
        raise ExportError(f"{serving}: has no campaign marts; rebuild and publish with `make build`")
    customers = set(served_columns(con, "dim_customer"))
    if (
        "channel" not in served_columns(con, "campaign_candidates")
        or not served_columns(con, "customer_contactability")
        or ("phone" in customers and "phone_e164" not in customers)
    ):
        raise ExportError(
            f"{serving}: published by an older version of this project (no action channels, contact permissions "
            "or E.164 phones); run `make build` to build and publish it again"
        )
    known = [row[0] for row in con.execute("select campaign_id from marts.campaign_summary order by 1").fetchall()]
    if campaign not in known:
        raise ExportError(
            f"unknown campaign {campaign!r}; the campaigns are: {', '.join(known) or 'none'} "
            "(defined in seeds/campaigns.csv)"
        )
    treated = one(
        con.execute(
            "select count(*) from marts.campaign_assignments where campaign_id = ? and assignment_group = 'treatment'",
            [campaign],
        )
    )[0]
    if not treated:
        as_of = one(con.execute("select as_of_date from meta.publication"))[0]
        raise ExportError(
            f"campaign {campaign!r} has no one to contact as of {as_of}: no customer met an action's rule with "
            "a positive expected value within the budget (see marts.campaign_candidates for who was eligible "
            "and why they were suppressed; budgets are in seeds/campaigns.csv)"
        )


AUDIENCE = """
select {columns}, candidates.channel, {required_present},
    coalesce(case candidates.channel
        when 'email' then contactability.is_contactable_by_email
        when 'phone' then contactability.is_contactable_by_phone
        when 'sms' then contactability.is_contactable_by_sms
        when 'post' then contactability.is_contactable_by_post
    end, false) as is_contactable
from marts.campaign_assignments as assignments
inner join marts.campaign_candidates as candidates
    on assignments.campaign_id = candidates.campaign_id and assignments.customer_key = candidates.customer_key
    and assignments.action = candidates.action
left join marts.dim_customer as customers on assignments.customer_key = customers.customer_key
left join marts.customer_contactability as contactability on assignments.customer_key = contactability.customer_key
left join (
    select customer_key, string_agg(source_system || ':' || customer_id, ' ' order by source_system, customer_id)
        as source_ids
    from marts.customer_identity_map group by customer_key
) as ids on assignments.customer_key = ids.customer_key
where assignments.campaign_id = ? and assignments.assignment_group = 'treatment'
order by assignments.value_rank
"""


def audience(serving: Path, campaign: str, profile: Profile) -> Audience:
    """The campaign's treatment group in the profile's layout: the rows of the actions whose
    channel the tool sends on, with what the tool needs to import them."""
    if not serving.exists():
        raise ExportError(f"{serving}: no published serving copy; run `make build` (or scripts/publish.py) first")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        check_campaign(con, serving, campaign)
        publication_id, as_of = one(con.execute("select publication_id, as_of_date from meta.publication"))
        published = set(served_columns(con, "dim_customer"))
        missing = missing_required(profile, published)
        if missing:
            raise ExportError(
                f"the {profile.name} profile needs {', '.join(missing)} (the tool cannot import a contact without "
                "it), and this serving copy holds no personal data; publish with `make publish PUBLISH_PII=1` "
                "(trusted users only), or export with --profile generic or braze"
            )
        columns = usable_columns(profile, published)
        required = " and ".join(f"{profile.select(field)} is not null" for field in profile.required) or "true"
        query = AUDIENCE.format(
            columns=", ".join(profile.select(field) for _, field in columns), required_present=required
        )
        fetched = con.execute(query, [campaign]).fetchall()
    finally:
        con.close()
    fields = [field for _, field in columns]
    kept, other_channels, incomplete = [], Counter[str](), 0
    not_contactable = 0
    for *values, channel, complete, contactable in fetched:
        if not contactable:
            # the campaigns never select them; a copy published mid-change or edited by hand could
            not_contactable += 1
        elif profile.channels is not None and channel not in profile.channels:
            other_channels[channel] += 1
        elif not complete:
            incomplete += 1
        else:
            kept.append(
                tuple(
                    display_case(v) if profile.display and f in DISPLAY_FIELDS else v
                    for f, v in zip(fields, values, strict=True)
                )
            )
    left_out = [
        f"{count} whose action is by {channel}, which {profile.name} does not send (export them with another profile)"
        for channel, count in sorted(other_channels.items())
    ]
    if incomplete:
        left_out.append(f"{incomplete} without {', '.join(profile.required)}, which {profile.name} needs")
    if not_contactable:
        left_out.append(f"{not_contactable} who may not be contacted on their action's channel now")
    withheld = [field for _, field in profile.columns if field in PERSONAL_FIELDS and field not in fields]
    return Audience([header for header, _ in columns], fields, kept, publication_id, as_of, left_out, withheld)


def as_text(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, with a single quote in front; anything
    else (numbers, dates, other text, and an E.164 phone such as +15551234567, which is a plus
    and digits only: a spreadsheet reads it as a number, and the tool importing it needs the plus)
    as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not E164.fullmatch(value):
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
        "--profile",
        choices=sorted(PROFILES),
        default="generic",
        help="the file's layout: the importing tool's column names and channels (default: generic)",
    )
    parser.add_argument(
        "--serving-dir",
        type=Path,
        default=Path(os.environ.get("CRM_SERVING_DIR", REPO / "serving")),
        help="the published serving copy's folder (default: $CRM_SERVING_DIR or serving/)",
    )
    args = parser.parse_args(argv)
    try:
        found = audience(args.serving_dir / "crm.duckdb", args.campaign, PROFILES[args.profile])
        personal = [field for field in PERSONAL_FIELDS if field in found.fields]
        with output(args.out, private=bool(personal)) as handle:
            writer = csv.writer(handle)
            writer.writerow(found.header)
            writer.writerows([as_text(value) for value in row] for row in found.rows)
    except (ExportError, duckdb.Error, OSError) as exc:
        print(f"export_audience: refused: {exc}", file=sys.stderr)
        return 2
    report(args, found, personal)
    return 0


def report(args: argparse.Namespace, found: Audience, personal: list[str]) -> None:
    print(
        f"export_audience: {len(found.rows)} customers of campaign {args.campaign} (as of {found.as_of}, publication "
        f"{found.publication_id}) written to {args.out} in the {args.profile} layout"
    )
    for reason in found.left_out:
        print(f"export_audience: left out: {reason}")
    if found.withheld:
        print(f"export_audience: not in the file (personal data not published): {', '.join(found.withheld)}")
    if personal:
        print(
            f"export_audience: warning: {args.out} holds personal data ({', '.join(personal)}). Only {owner()} can "
            "read it (mode 0600); hand it only to the CRM or e-mail tool and delete it once imported",
            file=sys.stderr,
        )
    print(
        "export_audience: after sending, record the launch so its result is measured: add the line "
        f"`{args.campaign},{found.as_of}` to seeds/campaign_launches.csv and run `make build`"
    )


if __name__ == "__main__":
    sys.exit(main())
