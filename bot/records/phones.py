"""Borrower phone numbers from a lender's export, stored as E.164.

Lenders export national formats ("0712 345 678" for a Kenyan loan), while
everything that matches a phone later (Telegram's shared contact through
`bot.channels.identity.normalise_phone`, `queries.find_borrower_by_phone`)
compares E.164 strings. So the import turns each number into E.164 once,
with the row's jurisdiction as the default region, and refuses a number
`phonenumbers` does not consider valid rather than storing one no contact
could ever match.

Which region a jurisdiction's national format belongs to is operator
configuration: config/compliance.yml `phone_region` of each profile, read by
the CLI (the entry point; records import nothing above them) and handed in as
a plain mapping. A jurisdiction without one accepts E.164 only.

Input already in E.164 is kept exactly as given (the operator contract's
format, unchanged): no validity check is added for it, so a file that
imported before still imports the same.
"""
from __future__ import annotations

import re
from typing import Mapping

import phonenumbers

E164 = re.compile(r"^\+[1-9]\d{6,14}$")

class PhoneError(ValueError):
    """Why a phone cell cannot be stored (the importer reports it by line)."""


def to_e164(text: str, jurisdiction: str, regions: Mapping[str, str] | None = None) -> str:
    """`text` as E.164, read in the national format of `jurisdiction` when `regions`
    ({jurisdiction: ISO 3166 region}) gives it one."""
    if E164.match(text):
        return text
    region = (regions or {}).get(jurisdiction)
    if region is None:
        raise PhoneError(f"phone must be E.164 like +254712345678, got {text!r} "
                         f"(jurisdiction {jurisdiction} has no region for national formats)")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError(f"phone {text!r} is not a valid number for {region}: give it in E.164 "
                         f"like +254712345678 or in {region}'s national format")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
