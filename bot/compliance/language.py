"""Prohibited language in collector messages: transparent rules, then a backstop.

Why patterns first: every block must be explainable to an auditor ("threatens
arrest: matched 'will be arrested'"), and a rule can be read and corrected by
compliance staff. The rules are data (data/compliance/rules.yml, loaded by
rules.py), matched sentence by sentence (matching.py) with negation limited to
its own clause (negation.py).

Rules catch what someone thought of; on fresh wordings they catch about half.
A text no rule blocks is scored by the backstop classifier (backstop.py,
trained by `make train`): at or above rules.yml's `backstop.hold_at` it is held
for review as "prohibited_language.suspected" (allowed=False, with the score in
the reason). Precision and recall per split: bench/results/compliance.md.
"""
from __future__ import annotations

from bot.compliance.backstop import suspicion
from bot.compliance.decision import ALLOW, Decision
from bot.compliance.matching import find_violations
from bot.compliance.profiles import Profile, get_profile
from bot.compliance.rules import default_rules

__all__ = ["check_text", "check_text_for_profile", "find_violations", "suspicion"]


def check_text_for_profile(text: str, profile: Profile) -> Decision:
    """check_text for an already merged profile (used by check_outbound)."""
    hits = find_violations(text)
    if not hits:
        score = suspicion(text)
        if score >= default_rules().hold_at:
            return Decision(False, "prohibited_language.suspected",
                            f"resembles prohibited collector language (score {score:.2f}); hold for review")
        return ALLOW
    rule, words = hits[0]
    source = f" (prohibited under {profile.source})" if profile.name != "DEFAULT" else ""
    return Decision(False, f"prohibited_language.{rule.id}", f"{rule.reason}{source}; matched \"{words}\".")


def check_text(text: str, jurisdiction: str = "DEFAULT") -> Decision:
    """Allow or block one outbound text on its words alone (no context).

    This is what POST /api/compliance/check runs; raises ValueError (ProfileError)
    for an empty text or an unknown jurisdiction, and BackstopMissing without a
    trained backstop model.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    return check_text_for_profile(text, get_profile(jurisdiction))
