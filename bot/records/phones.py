"""Borrower phone numbers from a lender's export, stored as E.164.

Lenders export national formats ("0712 345 678" for a Kenyan loan), while
everything that matches a phone later (Telegram's shared contact through
`bot.channels.identity.normalise_phone`, `queries.find_borrower_by_phone`)
compares E.164 strings. So the import turns each number into E.164 once,
with the row's jurisdiction as the default region, and refuses a number
`phonenumbers` does not consider valid rather than storing one no contact
could ever match.

Input already in E.164 is kept exactly as given (the operator contract's
format, unchanged): no validity check is added for it, so a file that
imported before still imports the same.
"""
from __future__ import annotations

import re

import phonenumbers

E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Compliance profile -> ISO 3166 region for national formats. A profile names
# a country (US-MA a US state; UK is the one name that is not the ISO code);
# a profile missing here (DEFAULT) has no region, so only E.164 is accepted.
PHONE_REGIONS: dict[str, str] = {
    "KE": "KE", "US": "US", "US-MA": "US", "UK": "GB", "CN": "CN",
    "IN": "IN", "PH": "PH", "ID": "ID", "NG": "NG",
}


class PhoneError(ValueError):
    """Why a phone cell cannot be stored (the importer reports it by line)."""


def to_e164(text: str, jurisdiction: str) -> str:
    """`text` as E.164, read in the national format of `jurisdiction` when it has a region."""
    if E164.match(text):
        return text
    region = PHONE_REGIONS.get(jurisdiction)
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
