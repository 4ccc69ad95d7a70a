"""Turns that must reach a person even though the bot could answer them.

A borrower who brings in a lawyer or a regulator, or whose anger keeps
rising, is better served by a person: the bot's calm answers have stopped
working, and what is said next may matter in a complaint.
"""
import re

_LEGAL = re.compile(
    r"\b(my|our|a|the) (lawyer|attorney|advocate|solicitor|legal (team|counsel|aid))\b"
    r"|\b(report|complain|escalate)\w* (you |this |it )?(to )?(the )?"
    r"(regulator|central bank|cbk|rbi|cfpb|fca|ftc|sec|ojk|bsp|ombudsman|consumer protection|police|authorities)\b"
    r"|\b(ombudsman|cfpb|financial conduct authority|consumer (protection|financial protection))\b"
    r"|\b(sue|suing) (you|your company|tawi)\b|\btake (you|your company) to court\b",
    re.IGNORECASE,
)
RISING_ANGER = 3  # angry messages in a row


def legal_or_regulator(text: str) -> bool:
    return bool(_LEGAL.search(text or ""))
