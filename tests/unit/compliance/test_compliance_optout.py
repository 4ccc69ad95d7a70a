"""Opt-out and cease requests in the borrower's words."""
from __future__ import annotations

import pytest

from bot.compliance import detect_opt_out


@pytest.mark.parametrize("text, expected", [
    ("STOP", "channel"), ("stop", "channel"), ("Stop.", "channel"), ("STOP please", "channel"),
    ("unsubscribe", "channel"), ("Please stop messaging me", "channel"), ("stop texting me!", "channel"),
    ("退订", "channel"), ("TD", "channel"), ("BERHENTI", "channel"), ("tigil", "channel"), ("Tigil na po", "channel"),
    ("Stop contacting me", "cease"), ("never call me again", "cease"), ("Cease all communication.", "cease"),
    ("I want you to stop contacting me and stop messaging me", "cease"),  # the wider request wins
    ("不要再联系我", "cease"), ("Jangan hubungi saya lagi", "cease"),
    ("I can't stop worrying about this loan", None), ("Can you stop the late fees?", None),
    ("I will pay on Friday", None), ("stopping by the bank tomorrow", None), ("", None),
])
def test_detect_opt_out(text, expected):
    assert detect_opt_out(text) == expected


def test_non_text_is_an_error():
    with pytest.raises(ValueError):
        detect_opt_out(None)
