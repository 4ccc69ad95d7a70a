"""Prohibited language: the corpus score and the rules' explanations.

The corpus (tests/compliance/*.txt, one message per line) was written before the
rules and grew with held-out rounds (see docs/compliance.md): the rules and the
backstop classifier are fitted to unacceptable/acceptable.txt and to the
heldout, heldout2 and heldout3 pairs, so their scores here are floors for
regressions. heldout4_* is the one round nothing was tuned or trained on.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.compliance import check_text, load_profiles
from bot.compliance import language
from bot.compliance.language import RULES, find_violations, suspicion

CORPUS = Path(__file__).parent / "compliance"


def _lines(name: str) -> list[str]:
    return [l.strip() for l in (CORPUS / name).read_text(encoding="utf-8").splitlines() if l.strip()]


UNACCEPTABLE, ACCEPTABLE = _lines("unacceptable.txt"), _lines("acceptable.txt")


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


@pytest.mark.parametrize("prefix", ["heldout", "heldout2", "heldout3"])
def test_development_rounds(prefix):
    """Former held-out rounds, now development data (rules widened, classifier trained)."""
    tp, n_bad, fp, _ = _score(prefix)
    assert tp == n_bad and fp == 0


def test_heldout4_floor():
    """tests/compliance/heldout4_*.txt were written after the last rule change and
    are neither tuned on nor trained on: they measure generalisation (rules alone
    16/40 with 1 false block before this round, 19/40 with 1 after; with the
    classifier 31/40 with 2 false blocks).

    The floor only guards against regressions; do NOT add patterns or training lines
    for these (write a new held-out round instead, see docs/compliance.md).
    """
    tp, _, fp, _ = _score("heldout4")
    assert tp >= 31 and fp <= 2


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


def test_hand_scoring_equals_the_trained_pipeline():
    """suspicion() redoes the TF-IDF + logistic regression arithmetic by hand for
    speed; it must give the probability sklearn would."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, labels = [], []
    for prefix in language.TRAINING_SETS:
        bad, good = _lines(f"{prefix}unacceptable.txt"), _lines(f"{prefix}acceptable.txt")
        texts += [language._normalise(t) for t in bad + good]
        labels += [1] * len(bad) + [0] * len(good)
    vecs = (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))
    clf = LogisticRegression(C=10, max_iter=2000, class_weight="balanced").fit(
        hstack([v.fit_transform(texts) for v in vecs]).tocsr(), labels)
    probe = _lines("heldout4_unacceptable.txt")[:10] + _lines("heldout4_acceptable.txt")[:10] + ["Hi", "!!!"]
    expected = clf.predict_proba(hstack([v.transform([language._normalise(t) for t in probe]) for v in vecs]))[:, 1]
    assert [round(suspicion(t), 9) for t in probe] == [round(float(p), 9) for p in expected]


def test_without_a_corpus_the_backstop_is_off(monkeypatch, tmp_path):
    monkeypatch.setattr(language, "CORPUS_DIR", tmp_path)
    language._model.cache_clear()
    try:
        assert suspicion("Pay today, or tomorrow will be a very long day for you.") is None
        assert check_text("Pay today, or tomorrow will be a very long day for you.").allowed
        assert not check_text("We will sue you.").allowed
    finally:
        language._model.cache_clear()
