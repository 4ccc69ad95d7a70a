"""Prohibited language: the corpus score and the rules' explanations.

The corpus (data/compliance/*.txt, one message per line, see its README.md) was
written before the rules and grew with held-out rounds: the rules and the
backstop classifier are fitted to train_corpus_* and train_round1..3_*, so their
scores here are floors for regressions. blind_* is what nothing was tuned or
trained on. The backstop model is the one the session fixture trained
(tests/conftest.py); its own tests are in test_compliance_backstop.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.compliance import check_text, load_profiles
from bot.compliance.backstop.training import corpus_lines
from bot.compliance.matching import find_violations
from bot.compliance.rules import default_rules

CORPUS = Path(__file__).resolve().parents[3] / "data" / "compliance"
RULES = default_rules().rules


def _lines(name: str) -> list[str]:
    return corpus_lines(CORPUS / name)


UNACCEPTABLE, ACCEPTABLE = _lines("train_corpus_unacceptable.txt"), _lines("train_corpus_acceptable.txt")


def test_corpus_is_big_enough_and_has_no_duplicates():
    assert len(UNACCEPTABLE) >= 150 and len(ACCEPTABLE) >= 150
    assert len(set(UNACCEPTABLE)) == len(UNACCEPTABLE) and len(set(ACCEPTABLE)) == len(ACCEPTABLE)
    assert not set(UNACCEPTABLE) & set(ACCEPTABLE)


def test_precision_and_recall_on_corpus():
    """The rules alone (no classifier, which is trained on these very lines)."""
    missed = [t for t in UNACCEPTABLE if not find_violations(t)]
    false_blocks = [(t, find_violations(t)[0][0].id) for t in ACCEPTABLE if find_violations(t)]
    tp, fp = len(UNACCEPTABLE) - len(missed), len(false_blocks)
    recall, precision = tp / len(UNACCEPTABLE), tp / (tp + fp)
    print(f"\nprohibited language rules: recall {recall:.3f} ({tp}/{len(UNACCEPTABLE)}), "
          f"precision {precision:.3f} ({fp} false blocks in {len(ACCEPTABLE)} acceptable)")
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
    # a negation reaches only its own clause
    ("You leave us no choice but to involve the police.", "threat_of_arrest"),
    ("Tell your husband to pay since you obviously can't.", "third_party_shaming"),
    ("If we cannot reach you, we will call your employer.", "third_party_shaming"),
    ("We have your mother's number and we are not afraid to use it.", "third_party_shaming"),
    # structures rather than phrases
    ("Your manager has been informed about the loan.", "third_party_shaming"),
    ("We will be messaging your church group today.", "third_party_shaming"),
    ("We will make this very public.", "third_party_shaming"),
    ("You will be hearing from our legal people.", "threat_of_legal_action"),
    ("We are opening a case against you.", "threat_of_legal_action"),
    ("Expect a visit from our people.", "threat_of_visit"),
    ("Things will get ugly.", "veiled_threat"),
    ("We will text you every 15 minutes.", "veiled_threat"),
    ("We will message you all day.", "veiled_threat"),
    ("Your debt will be passed to your kids for generations.", "veiled_threat"),
    ("Ask your cousin to lend you the money.", "borrow_elsewhere"),
    # insults: typo and look-alike tolerant, and common non-English ones
    ("You stuuupid man, pay.", "insult"), ("Pay, you 1d10t.", "insult"),
    ("Such a looooser.", "insult"),
    ("Lipa sasa, mpumbavu.", "insult"),
    ("Bayar, dasar bego.", "insult"),
    ("Magbayad ka, bobo.", "insult"),
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
    "We will not call your employer, family or friends.",
    "No one at your church, work or school will ever be told about this loan.",
    "Late payment may affect your ability to borrow from us again.",
    "A court can only get involved after a judge hears both sides; we are not planning that.",
    "We won't keep calling; reply when it suits you.",
    "If we don't hear from you, we will send one more reminder.",
    "How much could you pay now?",
    "Our support team is available 24/7 in the app.",
    "A person from our team will reply within 30 minutes.",  # a hand-off, not a deadline (issue 15 review)
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


def _score(prefix: str) -> tuple[int, int, int, int]:
    bad, good = _lines(f"{prefix}_unacceptable.txt"), _lines(f"{prefix}_acceptable.txt")
    tp = sum(not check_text(t).allowed for t in bad)
    fp = sum(not check_text(t).allowed for t in good)
    print(f"\n{prefix}: recall {tp / len(bad):.3f} ({tp}/{len(bad)}), precision {tp / max(tp + fp, 1):.3f} "
          f"({fp} false blocks in {len(good)})")
    return tp, len(bad), fp, len(good)


@pytest.mark.parametrize("prefix", ["train_round1", "train_round2", "train_round3"])
def test_development_rounds(prefix):
    """Former held-out rounds, now training data (rules widened, classifier trained)."""
    tp, n_bad, fp, _ = _score(prefix)
    assert tp == n_bad and fp == 0


def test_blind_round4_floor():
    """data/compliance/blind_round4_*.txt (formerly heldout4) were written after the
    last rule change and are neither tuned on nor trained on: they measure
    generalisation (rules alone 16/40 with 1 false block before that round, 19/40
    with 1 after; with the classifier 31/40 with 2 false blocks; with the rules of
    issue 13 and the embedding classifier, 33/40 with 3 false blocks: one more
    caught, one more protective text blocked — restated, not tuned; with the
    Chinese, Hindi, Swahili, Tagalog and Indonesian rules of issue 15, written on
    the dev rounds and 150 fair texts in those languages trained on, 34/40 with 3
    false blocks — restated, not tuned).

    The floor only guards against regressions; do NOT add patterns or training lines
    for these (write a new dev round instead, see data/compliance/README.md).
    """
    tp, _, fp, _ = _score("blind_round4")
    assert tp >= 34 and fp <= 3


def test_blind_external_floor():
    """blind_external_* was written by someone who never saw the rules or the corpus:
    95/119 blocked with 8 false blocks in 120 when the corpus moved to data/ (the
    same as before, less the one line that was also a training line). A floor
    against regressions, never a target to tune on."""
    tp, _, fp, _ = _score("blind_external")
    assert tp >= 95 and fp <= 8


def test_classifier_hit_is_held_with_a_readable_reason():
    text = "Pay today, or tomorrow will be a very long day for you."
    assert not find_violations(text)  # no rule: only the backstop sees it
    d = check_text(text, "US")
    assert (d.allowed, d.rule) == (False, "prohibited_language.suspected")
    assert d.reason.startswith("resembles prohibited collector language (score 0.")
    assert d.reason.endswith("); hold for review")


def test_a_rule_block_names_the_rule_not_the_classifier():
    d = check_text("We will sue you tomorrow.", "US")
    assert d.rule == "prohibited_language.threat_of_legal_action"
