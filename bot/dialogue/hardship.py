"""Recognises a documented hardship in what the borrower wrote.

The lender's hardship limits open only for a reason a person could later
check, so the reason is named (job_loss, illness, ...) and recorded, not
inferred from tone.
"""
import re

_REASONS: dict[str, tuple[str, ...]] = {
    "job_loss": (
        r"\b(lost|lose|losing) (my|the|our) (job|work|contract|gig)",
        r"\b(laid off|retrenched|sacked|fired|redundan\w*|unemployed|jobless)\b",
        r"\bno (job|work)\b", r"\bout of work\b", r"\bbila kazi\b", r"\bwalang trabaho\b",
    ),
    "business_failure": (
        r"\b(business|shop|store|biashara|market) (failed|collapsed|closed|is down|went down|burn\w*)",
        r"\b(customers|sales) (dried up|are down|stopped)\b", r"\bstock (was )?(stolen|burnt|lost)\b",
    ),
    "illness": (
        r"\b(sick|ill|illness|hospital\w*|admitted|surgery|operation|cancer|malaria|typhoid|"
        r"diagnos\w*|treatment|dialysis|chemo\w*|accident|injur\w*|disabl\w*)\b",
        r"\bmental health\b", r"\bdepress\w*\b",
    ),
    "bereavement": (
        r"\b(died|passed away|passed on|death|funeral|burial|buried|bereave\w*|lost my (mother|father|"
        r"mum|mom|dad|wife|husband|son|daughter|child|baby|brother|sister))\b",
    ),
    "disaster": (r"\b(flood\w*|fire|earthquake|typhoon|storm|evict\w*|robbed|theft)\b",),
}
_COMPILED = {k: [re.compile(p, re.IGNORECASE) for p in v] for k, v in _REASONS.items()}


def hardship_reason(text: str) -> str | None:
    """The first hardship named in the text, or None."""
    for reason, patterns in _COMPILED.items():
        if any(p.search(text or "") for p in patterns):
            return reason
    return None
