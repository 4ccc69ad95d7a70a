"""The lender's signed borrower token: valid ones name the borrower, anything else is refused."""
from datetime import datetime, timedelta, timezone

import jwt

from bot.channels.widget_token import AUDIENCE, borrower_from, issue

KEY = "k" * 40
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def test_a_valid_token_names_the_borrower():
    assert borrower_from(issue("BR-1001", KEY, now=NOW), KEY, now=NOW) == ("BR-1001", "ok")


def test_expired_forged_and_foreign_tokens_are_refused():
    token = issue("BR-1001", KEY, minutes=5, now=NOW)
    assert borrower_from(token, KEY, now=NOW + timedelta(minutes=6)) == (None, "expired token")
    assert borrower_from(token, "x" * 40, now=NOW)[0] is None  # another key
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert borrower_from(tampered, KEY, now=NOW)[0] is None
    other_audience = jwt.encode({"sub": "BR-1", "aud": "elsewhere", "iat": NOW, "exp": NOW + timedelta(minutes=5)},
                                KEY, algorithm="HS256")
    assert borrower_from(other_audience, KEY, now=NOW)[0] is None
    unsigned = jwt.encode({"sub": "BR-1", "aud": AUDIENCE, "iat": NOW, "exp": NOW + timedelta(minutes=5)},
                          None, algorithm="none")
    assert borrower_from(unsigned, KEY, now=NOW)[0] is None
    assert borrower_from("not a token", KEY, now=NOW)[0] is None


def test_tokens_that_live_too_long_or_name_nobody_are_refused():
    forever = issue("BR-1001", KEY, minutes=60 * 24 * 30, now=NOW)
    assert borrower_from(forever, KEY, now=NOW) == (None, "token lifetime out of bounds")
    nobody = jwt.encode({"sub": "", "aud": AUDIENCE, "iat": NOW, "exp": NOW + timedelta(minutes=5)}, KEY,
                        algorithm="HS256")
    assert borrower_from(nobody, KEY, now=NOW)[0] is None
