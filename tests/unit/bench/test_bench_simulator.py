"""The borrower simulator's own parts (no running bot): reading the bot's
texts, cloning the demo portfolio, and personas that always finish."""
from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal

import pytest

from bench.personas import PERSONAS, Loan, Reply, read_reply
from bench.simulator import clone_portfolio, demo_borrowers, loan_of
from bot.dialogue.messages import load


class _Blank(dict):
    def __missing__(self, key):
        return "X"


def texts(key: str) -> list[str]:
    """Every variant of one message, placeholders filled with dummies."""
    entry = load()[key]
    return [entry[v].format_map(_Blank()) for v in entry if v not in ("toned",)]


@pytest.mark.parametrize("key, kind", [
    ("offer", "offer"), ("offer_adjusted", "offer"), ("offer_counter", "offer"), ("accepted", "accepted"),
    ("handoff", "paused"), ("verify_failed", "verify_failed"), ("ask_missing_dob", "ask_dob"),
    ("ask_date", "ask_date"), ("ask_duration", "ask_duration"), ("ask_affordability", "ask_affordability"),
    ("verification_locked", "locked"), ("verified_statement", "verified"), ("fallback", "fallback"),
])
def test_the_simulator_reads_every_variant_of_the_bots_messages(key, kind):
    for text in texts(key):
        assert read_reply(text).kind == kind, text


def test_each_conversation_gets_its_own_copy_of_a_demo_borrower(tmp_path):
    out = tmp_path / "portfolio.csv"
    chosen = clone_portfolio(30, random.Random(1), out)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    ids = [r["loan_id"] for r in rows]
    assert len(ids) == len(set(ids)) == sum(len(c) for c in chosen)
    demo = {(r["date_of_birth"], r["outstanding_principal"], r["currency"]) for g in demo_borrowers() for r in g}
    assert all((r["date_of_birth"], r["outstanding_principal"], r["currency"]) in demo for r in rows)
    loan = loan_of(chosen[0])
    first = chosen[0][0]
    assert loan.total == sum(Decimal(first[c]) for c in ("outstanding_principal", "accrued_interest", "late_fees"))


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_persona_finishes_whatever_the_bot_says(persona):
    loan = Loan("LN-60000", date(1990, 3, 12), "KES", Decimal("13860.00"))
    for seed in range(20):
        rng = random.Random(seed)
        script = PERSONAS[persona](rng, loan)
        replies = [Reply(k, "") for k in ("other", "verified", "ask_affordability", "offer", "offer", "other")]
        message, sent = next(script), 1
        try:
            while sent < 40:
                assert isinstance(message, str) and message.strip()
                message = script.send(replies[min(sent, len(replies) - 1)] if sent < 6 else Reply("other", ""))
                sent += 1
        except StopIteration:
            pass
        assert sent < 40, f"{persona} never stops"
