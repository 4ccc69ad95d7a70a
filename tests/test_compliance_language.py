"""Prohibited language: the corpus score and the rules' explanations.

The corpus (tests/compliance/*.txt, one message per line) was written before the
rules and grew with three held-out rounds (see docs/compliance.md): the rules
are fitted to it, so recall 1.0 here is a floor for regressions, not a
measure of how the rules generalise.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.compliance import check_text, load_profiles
from bot.compliance.language import RULES, find_violations

CORPUS = Path(__file__).parent / "compliance"


def _lines(name: str) -> list[str]:
    return [l.strip() for l in (CORPUS / name).read_text(encoding="utf-8").splitlines() if l.strip()]


UNACCEPTABLE, ACCEPTABLE = _lines("unacceptable.txt"), _lines("acceptable.txt")


def test_corpus_is_big_enough_and_has_no_duplicates():
    assert len(UNACCEPTABLE) >= 150 and len(ACCEPTABLE) >= 150
    assert len(set(UNACCEPTABLE)) == len(UNACCEPTABLE) and len(set(ACCEPTABLE)) == len(ACCEPTABLE)
    assert not set(UNACCEPTABLE) & set(ACCEPTABLE)


def test_precision_and_recall_on_corpus():
    tp = sum(not check_text(t).allowed for t in UNACCEPTABLE)
    fp = sum(not check_text(t).allowed for t in ACCEPTABLE)
    recall, precision = tp / len(UNACCEPTABLE), tp / (tp + fp)
    print(f"\nprohibited language: recall {recall:.3f} ({tp}/{len(UNACCEPTABLE)}), "
          f"precision {precision:.3f} ({fp} false blocks in {len(ACCEPTABLE)} acceptable)")
    missed = [t for t in UNACCEPTABLE if check_text(t).allowed]
    false_blocks = [(t, check_text(t).rule) for t in ACCEPTABLE if not check_text(t).allowed]
    assert recall == 1.0, missed
    assert precision >= 0.95, false_blocks


def test_every_rule_fires_on_the_corpus():
    fired = {rule.id for t in UNACCEPTABLE for rule, _ in find_violations(t)}
    assert fired == {r.id for r in RULES}


@pytest.mark.parametrize("text, rule", [
    ("We may have to inform your contacts.", "third_party_shaming"),
    ("This is your final warning before legal action.", "threat_of_legal_action"),
    ("People like you always make excuses.", "insult"),
    ("Your employer might find out.", "third_party_shaming"),
    ("Borrow from a friend and pay us today.", "borrow_elsewhere"),
    ("Our legal team is preparing your file.", "threat_of_legal_action"),
    ("If you don't pay by Friday you will be arrested.", "threat_of_arrest"),
    ("You will never get a loan again.", "false_consequence"),
    ("We will not hesitate to sue you.", "threat_of_legal_action"),
    ("Don't be a coward, answer the phone.", "insult"),
    ("不还钱就让你坐牢", "threat_of_arrest"),
    ("我们会打给你的通讯录", "third_party_shaming"),
])
def test_subtle_unacceptable(text, rule):
    d = check_text(text, "US")
    assert (d.allowed, d.rule) == (False, f"prohibited_language.{rule}")
    assert "matched" in d.reason and "Regulation F" in d.reason


@pytest.mark.parametrize("text", [
    "You can ask for a hardship plan.",
    "If the loan stays unpaid it may be reported to the credit bureau as the agreement says.",
    "We will never contact your family or employer.",
    "You have the right to dispute this debt.",
    "Talk to a free debt adviser.",
    "Legal action is not something we are planning.",
    "You will not be arrested for this debt.",
    "Our policy is never to shame or threaten customers.",
])
def test_close_but_acceptable(text):
    assert check_text(text, "US").allowed


def test_every_configured_disclosure_passes_the_language_check():
    for profile in load_profiles().values():
        for texts in profile.disclosures.values():
            for t in texts:
                assert check_text(t, profile.name).allowed, (profile.name, t)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="non-empty"):
        check_text("   ")
    with pytest.raises(ValueError, match="unknown jurisdiction"):
        check_text("Hello", "Narnia")


def test_heldout_floor():
    """tests/compliance/heldout_*.txt were written after the rules and never tuned on.

    They measure how the rules generalise to phrasings nobody wrote a pattern for.
    The floor only guards against regressions; do NOT add patterns for these lines
    (write a new held-out round instead, see docs/compliance.md).
    """
    bad, good = _lines("heldout_unacceptable.txt"), _lines("heldout_acceptable.txt")
    tp = sum(not check_text(t).allowed for t in bad)
    fp = sum(not check_text(t).allowed for t in good)
    print(f"\nheld-out: recall {tp / len(bad):.3f} ({tp}/{len(bad)}), precision {tp / max(tp + fp, 1):.3f} "
          f"({fp} false blocks in {len(good)})")
    assert tp >= 9 and fp <= 1
