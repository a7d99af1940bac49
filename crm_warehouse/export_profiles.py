"""The layouts of the audience file, one per tool that imports it (export_audience.py --profile).

Each profile names its columns as the tool's import documentation names them, so the tool maps
them without a manual step:

- ``generic``: this project's names and values as stored; every channel; works without
  personal data.
- ``mailchimp``: an audience import (Email Address is required: e-mail actions only, and the
  serving copy must hold personal data). Campaign and action go in Tags.
- ``hubspot``: a contact import (Email, First Name, Last Name identify a contact); every
  channel, since a CRM also holds the calls.
- ``braze``: a user attribute import keyed by ``external_id`` (the customer key); e-mail and SMS
  actions. Without personal data it still works: external_id and the custom attributes, for
  segmenting users Braze already has.

The ids the source systems know the customer by go in every profile (``webshop:W123
store_pos:P9``), so a tool fed by one of those systems can match its own records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# what a profile can write, by field name: how the audience query selects it
FIELDS = {
    "customer_key": "assignments.customer_key",
    "source_ids": "ids.source_ids",
    "campaign_id": "assignments.campaign_id",
    "action": "assignments.action",
    "channel": "candidates.channel",
    "as_of_date": "assignments.as_of_date",
    "expected_value": "assignments.expected_value",
    "tags": "assignments.campaign_id || ',' || assignments.action",
    "first_name": "customers.first_name",
    "last_name": "customers.last_name",
    "company_name": "customers.company_name",
    # contact details only for a channel the customer may be contacted on (an e-mail tool must
    # not learn the email of someone who opted out of e-mail because an SMS action named them)
    "email": "case when contactability.is_contactable_by_email then customers.email end",
    "phone": "case when {phone_permitted} then customers.phone_e164 end",
    "address_line": "case when contactability.is_contactable_by_post then customers.address_line end",
    "postal_code": "case when contactability.is_contactable_by_post then customers.postal_code end",
    "city": "customers.city",
    "country": "customers.country",
}
# the fields read from the serving copy's dim_customer, and the columns they come from there
CUSTOMER_FIELDS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "company_name": "company_name",
    "email": "email",
    "phone": "phone_e164",
    "address_line": "address_line",
    "postal_code": "postal_code",
    "city": "city",
    "country": "country",
}
# personal data: written only when the serving copy was published with it
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "address_line", "postal_code")
# text a person reads, written in display case when it was stored all lower or all upper case
DISPLAY_FIELDS = ("first_name", "last_name", "company_name", "address_line", "city")


@dataclass(frozen=True)
class Profile:
    name: str
    columns: tuple[tuple[str, str], ...]  # (header, field), in file order
    channels: tuple[str, ...] | None  # the action channels the tool sends on; None: every channel
    required: tuple[str, ...] = ()  # fields the tool cannot import a row without
    custom: tuple[str, ...] = ()  # headers that are the project's own fields in the tool, not its defaults
    phone_channels: tuple[str, ...] = ("phone", "sms")  # a phone is written when contactable on one of these
    display: bool = True  # names and places in display case (generic: as stored)

    def select(self, field: str) -> str:
        """The SQL of one of the profile's fields in the audience query."""
        permitted = " or ".join(f"contactability.is_contactable_by_{channel}" for channel in self.phone_channels)
        return FIELDS[field].replace("{phone_permitted}", f"({permitted})")


PROFILES = {
    profile.name: profile
    for profile in (
        Profile(
            "generic",
            tuple((field, field) for field in FIELDS if field != "tags"),
            channels=None,
            display=False,
        ),
        Profile(
            "mailchimp",
            (
                ("Email Address", "email"),
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Phone Number", "phone"),
                ("Tags", "tags"),
                ("Customer Key", "customer_key"),
                ("Source IDs", "source_ids"),
            ),
            channels=("email",),
            required=("email",),
            custom=("Customer Key", "Source IDs"),
            phone_channels=("sms",),
        ),
        Profile(
            "hubspot",
            (
                ("Email", "email"),
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Phone Number", "phone"),
                ("Company Name", "company_name"),
                ("Street Address", "address_line"),
                ("City", "city"),
                ("Postal Code", "postal_code"),
                ("Country/Region", "country"),
                ("Customer Key", "customer_key"),
                ("Source IDs", "source_ids"),
                ("CRM Campaign", "campaign_id"),
                ("CRM Action", "action"),
            ),
            channels=None,
            required=("email",),
            custom=("Customer Key", "Source IDs", "CRM Campaign", "CRM Action"),
            phone_channels=("phone",),
        ),
        Profile(
            "braze",
            (
                ("external_id", "customer_key"),
                ("first_name", "first_name"),
                ("last_name", "last_name"),
                ("email", "email"),
                ("phone", "phone"),
                ("home_city", "city"),
                ("country", "country"),
                ("crm_source_ids", "source_ids"),
                ("crm_campaign", "campaign_id"),
                ("crm_action", "action"),
            ),
            channels=("email", "sms"),
            custom=("crm_source_ids", "crm_campaign", "crm_action"),
            phone_channels=("sms",),
        ),
    )
}


def display_case(text: str | None) -> str | None:
    """A name or place as people write it: each word's first letter upper case, the rest lower
    (``o'brien`` -> ``O'Brien``, ``MARY-ANN`` -> ``Mary-Ann``, ``josé`` -> ``José``). Text already
    in mixed case (``McDonald``) is kept as it is."""
    if text is None or (text != text.lower() and text != text.upper()):
        return text
    return re.sub(r"[^\W\d_]+", lambda word: word.group(0)[0].upper() + word.group(0)[1:].lower(), text)


def usable_columns(profile: Profile, published: set[str]) -> list[tuple[str, str]]:
    """The profile's columns the serving copy can fill: a customer field only when dim_customer
    holds its column (personal data is there only when published with it)."""
    return [
        (header, field)
        for header, field in profile.columns
        if field not in CUSTOMER_FIELDS or CUSTOMER_FIELDS[field] in published
    ]


def missing_required(profile: Profile, published: set[str]) -> list[str]:
    """The fields the tool needs that the serving copy does not hold."""
    return [field for field in profile.required if CUSTOMER_FIELDS.get(field, field) not in published]
