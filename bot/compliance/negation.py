"""Negation: when "not" clears a rule, and when it makes a threat stronger.

Why this is its own step: "we will NOT call your employer, family or friends"
and "court action is NOT planned" are what a fair collector says, so a rule
marked `negatable` must not fire on them; but "you leave us no choice BUT to
involve the police" and "tell your husband SINCE you can't" are threats, because
the negation sits in another clause. And some negations belong to the
borrower's non-payment ("if you don't pay") or to an intensifier ("we will not
hesitate", "not afraid to"): those are rewritten to plain words first, since
they make a threat stronger, not weaker. Insults, violence, urgency and veiled
threats are never negatable ("don't be a coward", "don't push your luck").

The words and phrases live in data/compliance/rules.yml (`negation:`); this
module is the mechanism.
"""
from __future__ import annotations

import re

from bot.compliance.rules import Negation


def normalise(text: str, negation: Negation) -> str:
    """Curly quotes made straight, the rewrites applied, whitespace collapsed.

    The backstop classifier sees the same normalised text, so its model records
    which rewrites it was trained with (Negation.fingerprint)."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for pattern, replacement in negation.rewrites:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text)


def sentences(text: str, negation: Negation) -> list[str]:
    """The normalised text cut into sentences; a negation never reaches across one."""
    return [s.strip() for s in negation.sentence_breaks.split(normalise(text, negation)) if s.strip()]


def negated(sentence: str, match: re.Match, negation: Negation) -> bool:
    """Whether a negation in the match's clause denies it, other than one the
    pattern itself spells out ("you will NEVER get a loan" is still a threat).

    Before the match a comma ends the clause only when a new subject follows
    ("if we can't reach you, we will call your boss"), so a negated list still
    holds ("we will not call your employer, family or friends"); after the
    match any comma ends it. A warning about someone else ("anyone claiming to
    be the police ...") counts only before the match."""
    for warn in negation.warnings.finditer(sentence, 0, match.start()):
        if warn.end() <= match.start() and not negation.boundary_before.search(sentence, warn.end(), match.start()):
            return True
    for neg in negation.negators.finditer(sentence):
        if match.start() <= neg.start() < match.end():
            if neg.group(0).lower() in match.re.pattern.lower():
                continue
            return True
        if neg.end() <= match.start():
            if not negation.boundary_before.search(sentence, neg.end(), match.start()):
                return True
        elif not negation.boundary_after.search(sentence, match.end(), neg.start()):
            return True
    return False
