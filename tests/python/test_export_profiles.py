"""The audience file's layouts (crm_warehouse/export_profiles.py): each profile's header against
the import columns its tool documents, and the text it writes (display case, E.164 phones,
formula safety). The files written from a published warehouse are checked in
test_campaign_lift.py."""

from __future__ import annotations

import pytest

from crm_warehouse.export_audience import as_text
from crm_warehouse.export_profiles import FIELDS, PROFILES, display_case

# The tools' documented import columns (default fields, not custom ones), and the ones a row
# cannot be imported without:
# - Mailchimp, "Format guidelines for your import file" (mailchimp.com/help): Email Address
#   (required), First Name, Last Name, Address, Phone Number, Birthday; Tags.
# - HubSpot, "Set up your import files" (knowledge.hubspot.com): contacts need First name,
#   Last name and Email; the headers are matched to the default contact properties' names.
# - Braze, "CSV import" (braze.com/docs): an external_id identifies the user; default attributes
#   are reserved keys matched exactly (spelling and case).
DOCUMENTED = {
    "mailchimp": (
        {"Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday", "Tags"},
        {"Email Address"},
    ),
    "hubspot": (
        {
            "Email",
            "First Name",
            "Last Name",
            "Phone Number",
            "Mobile Phone Number",
            "Company Name",
            "Street Address",
            "City",
            "State/Region",
            "Postal Code",
            "Country/Region",
            "Job Title",
        },
        {"Email", "First Name", "Last Name"},
    ),
    "braze": (
        {
            "external_id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "country",
            "home_city",
            "dob",
            "gender",
            "language",
            "email_subscribe",
        },
        {"external_id"},
    ),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_each_profiles_header_is_its_tools_documented_columns(name: str) -> None:
    profile = PROFILES[name]
    documented, needed = DOCUMENTED[name]
    header = [column for column, _ in profile.columns]
    assert len(header) == len(set(header))
    defaults = [column for column in header if column not in profile.custom]
    assert set(defaults) <= documented, set(defaults) - documented
    assert needed <= set(header)
    # a custom field never takes a default's name, in any case (HubSpot matches ignoring case)
    assert not {column.lower() for column in profile.custom} & {column.lower() for column in documented}
    # every profile carries the customer key and the source systems' ids
    assert {"customer_key", "source_ids"} <= {field for _, field in profile.columns}
    assert {field for _, field in profile.columns} <= set(FIELDS)


def test_the_generic_profile_writes_every_field_under_its_own_name() -> None:
    generic = PROFILES["generic"]
    assert all(header == field for header, field in generic.columns)
    assert generic.channels is None and generic.required == ()


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("o'brien", "O'Brien"),
        ("MARY-ANN", "Mary-Ann"),
        ("josé garcía", "José García"),
        ("1407 forest avenue", "1407 Forest Avenue"),
        ("McDonald", "McDonald"),
        (None, None),
    ],
)
def test_names_and_places_are_written_in_display_case(stored: str | None, shown: str | None) -> None:
    assert display_case(stored) == shown


def test_an_e164_phone_is_written_as_it_is_and_a_formula_is_not() -> None:
    assert as_text("+15551234567") == "+15551234567"
    assert as_text("+1555123456789012") == "'+1555123456789012"  # 16 digits: not E.164
    assert as_text("+1 555 1234") == "'+1 555 1234"
    assert as_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert as_text("+SUM(A1)") == "'+SUM(A1)"
