"""Signed tokens with which a lender's app vouches for a logged-in borrower.

The lender's app already knows who its user is; making that borrower type a
loan reference and date of birth again would be friction without security.
The app signs a short-lived JWT (HS256, shared secret WIDGET_TOKEN_SECRET)
naming the borrower, the web chat widget passes it along with each message,
and the bot treats a valid one as verification. Anything wrong with a token
(signature, expiry, audience, missing borrower) means plain verification.

    python -m bot.channels.widget_token issue BR-1001 [--minutes 30]
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta, timezone

import jwt

AUDIENCE = "collections-widget"
MAX_LIFETIME = timedelta(hours=24)  # a token that claims to live longer is refused


def secret(environ=os.environ) -> str | None:
    value = environ.get("WIDGET_TOKEN_SECRET")
    return value if value and len(value) >= 32 else None


def issue(borrower_id: str, key: str, *, minutes: int = 30, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    claims = {"sub": borrower_id, "aud": AUDIENCE, "iat": now, "exp": now + timedelta(minutes=minutes)}
    return jwt.encode(claims, key, algorithm="HS256")


def borrower_from(token: str, key: str, *, now: datetime | None = None) -> tuple[str | None, str]:
    """(borrower_id, "ok") for a valid token, else (None, why it was refused)."""
    now = now or datetime.now(timezone.utc)
    try:
        claims = jwt.decode(
            token, key, algorithms=["HS256"], audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat", "aud"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as error:
        return None, f"invalid token: {error}"
    issued = datetime.fromtimestamp(claims["iat"], timezone.utc)
    expires = datetime.fromtimestamp(claims["exp"], timezone.utc)
    if expires <= now:
        return None, "expired token"
    if issued > now + timedelta(minutes=2) or expires - issued > MAX_LIFETIME:
        return None, "token lifetime out of bounds"
    if not isinstance(claims["sub"], str) or not claims["sub"]:
        return None, "token names no borrower"
    return claims["sub"], "ok"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.channels.widget_token")
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("issue", help="print a token for a borrower (what the lender's app does)")
    make.add_argument("borrower_id")
    make.add_argument("--minutes", type=int, default=30)
    args = parser.parse_args(argv)
    key = secret()
    if key is None:
        print("set WIDGET_TOKEN_SECRET (at least 32 characters)", file=sys.stderr)
        return 2
    print(issue(args.borrower_id, key, minutes=args.minutes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
