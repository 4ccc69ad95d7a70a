"""Every message carries its compliance facts, and the action server reads them from the catalogue.

Which texts mention the debt used to be a list kept by hand in actions/turns.py:
a message left off it was sent to an unverified borrower without a complaint.
Now each entry of config/messages.yml says it itself (`facts:`), the loader
refuses an entry that does not, and a guard below catches an entry that talks
money or loan terms but is flagged as not mentioning the debt.
"""
from __future__ import annotations

import string

import pytest

from actions.turns import debt_messages, first_disclosure
from bot.config.errors import ConfigError
from bot.config.messages import load_messages
from tests.support.config_files import write_variant

# The hand-kept lists of actions/turns.py before the facts moved into the catalogue (issue 12).
TODAY_DEBT_MESSAGES = {
    "verified_statement", "verified_statement_not_overdue", "balance", "active_arrangement",
    "pay_in_full", "offer", "offer_adjusted", "accepted", "fees", "already_paid_found", "other_loans",
    "greet_verified", "offer_all", "accepted_all", "offer_counter", "no_offer",
    "balance_in_arrangement", "verified_statement_in_arrangement",  # issue 13: under an active arrangement
    # issue 13: record changes about the debt are confirmed first
    "confirm_dispute_debt", "confirm_already_paid", "clarify_dispute_debt", "clarify_already_paid",
    "thank_pending_offer",  # issue 13: "thanks" to an offer repeats it and asks for the yes
    "offer_still_open",  # round 8 (dev): the offer asked about again after a contact change was recorded
    "accepted_own",  # round 6 (dev): the borrower's own terms, noted as said
}
TODAY_FIRST_DISCLOSURE = {"verified_statement", "verified_statement_not_overdue", "verified_statement_in_arrangement"}

# Fills that carry the debt's amounts, terms or the loan itself: a text with one of them mentions the debt.
DEBT_FILLS = {"total", "principal", "interest", "fees", "amount", "balance", "summary", "schedule",
              "due_date", "days_overdue", "paid_at", "loan_id", "loan_ids"}


def _fills(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def unflagged_debt_texts(path=None) -> list[tuple[str, set[str]]]:
    """Entries with a debt fill in any variant whose `facts.mentions_debt` is false."""
    out = []
    for key, entry in load_messages(path).messages.items():
        texts = [t for t in entry.dict(exclude={"facts", "toned"}).values() if isinstance(t, str)]
        fills = set().union(*(_fills(t) for t in texts)) & DEBT_FILLS
        if fills and not entry.facts.mentions_debt:
            out.append((key, fills))
    return out


def test_derived_sets_are_the_lists_kept_by_hand_before():
    assert debt_messages() == TODAY_DEBT_MESSAGES
    assert first_disclosure() == TODAY_FIRST_DISCLOSURE
    assert first_disclosure() <= debt_messages()  # a first disclosure of the debt mentions the debt


def test_every_text_with_a_debt_fill_is_flagged_mentions_debt():
    assert not unflagged_debt_texts()


def test_the_guard_catches_a_forgotten_flag(tmp_path):
    def edit(data):
        data["balance"]["facts"]["mentions_debt"] = False
    path = write_variant(tmp_path / "messages.yml", "messages.yml", edit=edit)
    assert [key for key, _ in unflagged_debt_texts(path)] == ["balance"]


@pytest.mark.parametrize("drop, message", [
    (("greet", "facts"), "greet.facts: missing"),
    (("balance", "facts", "mentions_debt"), "balance.facts.mentions_debt: missing"),
    (("verified_statement", "facts", "first_disclosure"), "verified_statement.facts.first_disclosure: missing"),
])
def test_an_entry_without_its_facts_is_refused_at_load(tmp_path, drop, message):
    def edit(data):
        for key in drop[:-1]:
            data = data[key]
        del data[drop[-1]]
    path = write_variant(tmp_path / "messages.yml", "messages.yml", edit=edit)
    with pytest.raises(ConfigError, match=f"messages.yml: {message}"):
        load_messages(path)


def test_a_fact_must_be_a_boolean_and_a_known_one(tmp_path):
    def edit(data):
        data["offer"]["facts"] = {"mentions_debt": "yes", "first_disclosure": False}
    path = write_variant(tmp_path / "messages.yml", "messages.yml", edit=edit)
    with pytest.raises(ConfigError, match="offer.facts.mentions_debt: value is not a valid boolean"):
        load_messages(path)

    def extra(data):
        data["offer"]["facts"]["mentions_dept"] = True
    path = write_variant(tmp_path / "typo.yml", "messages.yml", edit=extra)
    with pytest.raises(ConfigError, match="offer.facts.mentions_dept: unknown key"):
        load_messages(path)


def test_the_action_server_does_not_start_with_an_entry_without_facts(tmp_path, monkeypatch):
    from actions.server import make_app

    def edit(data):
        del data["other_loans"]["facts"]
    monkeypatch.setenv("MESSAGES_YML", str(write_variant(tmp_path / "messages.yml", "messages.yml", edit=edit)))
    with pytest.raises(ConfigError, match="other_loans.facts: missing"):
        make_app("t" * 32)
