"""The payment provider's callback signature (Stripe-like), checked before the body is parsed.

    X-Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

The callback has its own secret (PAYMENT_WEBHOOK_SECRET), never the admin
token: a provider holding the admin token could read every borrower's data.
Signing the raw bytes (not re-serialised JSON) means both sides agree on what
was signed; the timestamp inside the MAC bounds how long a captured request
stays usable, and the records remember accepted signatures for that long
(bot/records/callbacks.py), so a replay inside the window is refused too.
Several v1 entries are allowed (a provider rotating secrets sends one per
secret); one matching is enough.

Pure: no aiohttp, no database, explicit clock; unit-testable.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

HEADER = "X-Payment-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300
MAX_HEADER_CHARS = 1024

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP = re.compile(r"^[0-9]{1,12}$")


class SignatureError(ValueError):
    """The callback is not acceptably signed; str() tells the provider's developer why."""


@dataclass(frozen=True)
class Signed:
    timestamp: int
    signature: str  # the v1 value that matched: what the replay memory stores


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 value for `body` sent at `timestamp` (what the provider computes)."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},{SCHEME}={sign(secret, timestamp, body)}"


def parse(header: str | None) -> tuple[int, list[str]]:
    """(timestamp, v1 values) of the header; SignatureError when it is missing or malformed."""
    if not header or not header.strip():
        raise SignatureError(f"missing {HEADER} header: sign the body, see docs/web.md")
    if len(header) > MAX_HEADER_CHARS:
        raise SignatureError(f"{HEADER} header is longer than {MAX_HEADER_CHARS} characters")
    timestamp, macs = None, []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"{HEADER} must look like t=<unix seconds>,v1=<hex>")
        if key == "t":
            if timestamp is not None or not _TIMESTAMP.match(value):
                raise SignatureError(f"{HEADER}: t must appear once, as unix seconds")
            timestamp = int(value)
        elif key == SCHEME:
            macs.append(value.lower())
    if timestamp is None or not macs:
        raise SignatureError(f"{HEADER} needs both t=<unix seconds> and v1=<hex HMAC-SHA256>")
    return timestamp, macs


def verify(secret: str, header: str | None, body: bytes, *, now: float,
           tolerance_s: int = DEFAULT_TOLERANCE_S) -> Signed:
    """The matching signature, or SignatureError naming what is wrong.

    The MAC is checked before the timestamp's age so an unsigned caller learns
    nothing about our clock; each comparison is constant-time.
    """
    timestamp, macs = parse(header)
    expected = sign(secret, timestamp, body).encode("ascii")
    matched = None
    for mac in macs:
        # compare every candidate (no early exit) and only well-formed ones
        # (compare_digest wants equal-length ASCII to stay constant-time).
        if _HEX64.match(mac) and hmac.compare_digest(mac.encode("ascii"), expected):
            matched = mac
    if matched is None:
        raise SignatureError(f"{HEADER} does not match the body: HMAC-SHA256 of '<t>.<raw body>' "
                             "with the payment webhook secret, hex")
    age = now - timestamp
    if age > tolerance_s:
        raise SignatureError(f"signature timestamp is {int(age)} s old; at most {tolerance_s} s is accepted")
    if -age > tolerance_s:
        raise SignatureError(f"signature timestamp is {int(-age)} s in the future; check the sender's clock")
    return Signed(timestamp=timestamp, signature=matched)
