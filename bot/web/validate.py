"""Checks on admin API request bodies, before anything reaches the records.

Each check raises BadRequest with a message an operator (or the payment
provider's developer) can act on; the handler turns it into a 400.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from bot import clock
from bot.negotiation.money import minor_units

MAX_TEXT_CHARS = 5000
MAX_AMOUNT_INTEGER_DIGITS = 15
# A provider's clock may run a little ahead of ours; more than this is an error.
FUTURE_TOLERANCE = timedelta(minutes=10)

_AMOUNT = re.compile(r"^\d{1,%d}(\.\d+)?$" % MAX_AMOUNT_INTEGER_DIGITS)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Our bodies are flat objects (the console's schedule is two levels deep).
MAX_DEPTH = 16


class BadRequest(ValueError):
    """The request body is not acceptable; str() is the message for the caller."""


@dataclass(frozen=True)
class PaymentIn:
    reference: str
    loan_id: str
    amount: Decimal
    currency: str
    paid_at: datetime
    reverses: str | None = None  # a charge-back: the reference of the payment it takes back


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; floats are refused later, so parse them as Decimal.

    json.loads raises more than JSONDecodeError on hostile input: RecursionError
    for deep nesting ('[' * 60000 fits in the body cap) and a plain ValueError
    for an integer of more than 4300 digits; both are a 400, not a crash.
    """
    if not raw:
        raise BadRequest("request body is empty; send a JSON object")
    try:
        body = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except RecursionError:
        raise BadRequest(f"request body is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"request body is not valid JSON: {_first_line(exc)}") from None
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    _check_values(body)
    return body


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200]


def _check_values(body: dict[str, Any]) -> None:
    """No lone surrogate in any string ("\\ud800" is valid JSON but not encodable
    text: the database and the audit hash would fail on it), no deep nesting."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BadRequest(f"request body is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise BadRequest("request body holds a string that is not valid Unicode (a lone surrogate)")
        elif isinstance(value, dict):
            pending.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def _identifier(body: dict, field: str, max_len: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{field}' is required and must be a non-empty string")
    value = value.strip()
    if len(value) > max_len:
        raise BadRequest(f"'{field}' is longer than {max_len} characters")
    if _CONTROL.search(value):
        raise BadRequest(f"'{field}' contains control characters")
    return value


def amount(value: Any, currency: str) -> Decimal:
    """A positive decimal string payable exactly in `currency` (no KES 0.001)."""
    if not isinstance(value, str):
        raise BadRequest("'amount' must be a decimal string such as \"125.50\" (not a JSON number)")
    if not _AMOUNT.match(value.strip()):
        raise BadRequest(f"'amount' {value!r} is not a plain positive decimal, e.g. \"125.50\"")
    try:
        result = Decimal(value.strip())
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        raise BadRequest(f"'amount' {value!r} is not a decimal") from None
    if result <= 0:
        raise BadRequest("'amount' must be greater than zero")
    places = minor_units(currency)
    if -result.normalize().as_tuple().exponent > places:
        raise BadRequest(f"'amount' {value!r} has more than {places} decimals, the minor unit of {currency}")
    return result.quantize(Decimal(1).scaleb(-places))


def paid_at(value: Any, now: datetime | None = None) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest("'paid_at' is required: ISO 8601 with a UTC offset, e.g. 2026-11-30T09:15:00+03:00")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'paid_at' {value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise BadRequest(f"'paid_at' {value!r} has no UTC offset; add one, e.g. +00:00 or Z")
    now = now or clock.now()
    try:
        if moment - now > FUTURE_TOLERANCE:
            raise BadRequest(f"'paid_at' {value!r} is in the future")
        return moment.astimezone(timezone.utc)
    except OverflowError:  # year 1 at +01:00 is year 0 in UTC
        raise BadRequest(f"'paid_at' {value!r} is out of range") from None


def payment(body: dict[str, Any], now: datetime | None = None) -> PaymentIn:
    currency = body.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency.strip().upper()):
        raise BadRequest("'currency' must be an ISO 4217 code such as \"KES\"")
    currency = currency.strip().upper()
    return PaymentIn(
        reference=_identifier(body, "reference", 128),
        loan_id=_identifier(body, "loan_id", 64),
        amount=amount(body.get("amount"), currency),
        currency=currency,
        paid_at=paid_at(body.get("paid_at"), now),
        reverses=_identifier(body, "reverses", 128) if body.get("reverses") is not None else None,
    )


def compliance_check(body: dict[str, Any], jurisdictions: Iterable[str]) -> tuple[str, str]:
    """(text, jurisdiction) with the jurisdiction spelled as the profile names it."""
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("'text' is required and must be a non-empty string")
    if len(text) > MAX_TEXT_CHARS:
        raise BadRequest(f"'text' is longer than {MAX_TEXT_CHARS} characters")
    wanted = body.get("jurisdiction")
    known = sorted(jurisdictions)
    if not isinstance(wanted, str) or not wanted.strip():
        raise BadRequest(f"'jurisdiction' is required; one of {', '.join(known)}")
    by_upper = {name.upper(): name for name in known}
    name = by_upper.get(wanted.strip().upper())
    if name is None:
        raise BadRequest(f"unknown jurisdiction {wanted!r}; one of {', '.join(known)}")
    return text, name
