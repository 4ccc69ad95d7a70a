"""Whether a message accepts the offer on the table, or only says back what is already agreed.

A yes comes in many shapes: "Yep, Monday's fine", "230 each is fine", "好的谢谢" to the very terms
they asked for, "If the 18th isn't allowed then Thursday the 17th and every fortnight after that".
Each reads the offer slot and the message's own terms; a message naming any other date or amount
is a counter, never a yes. Pure; moves.py decides with these.
"""
from __future__ import annotations

from bot.dialogue.requests import as_date, positive_decimal
from bot.dialogue.turn import Turn

# Days between two payments each period word allows.
_PERIOD_DAYS = {"week": range(7, 8), "fortnight": range(14, 16), "month": range(28, 32)}


def yes_to_offer(turn: Turn) -> bool:
    """A message opening with a yes to the offer on the table, naming no amount or date but its own
    ("opo, 2,000 ngayong araw then 2,720 sa 10" to that very offer)."""
    offer = turn.slot("pending_offer")
    yes = turn.signal("yes_first") or (turn.signal("agrees") and _restates_terms(turn))  # "230 each is fine"
    if not (offer and turn.slot("verified", False) and yes) or turn.intent == "deny":
        return False
    if (turn.slot("loan") or {}).get("status") == "paused":
        return False  # a paused account gets no arrangement before a person reviews it (the intent's path says so)
    return only_offered_terms(turn)


def takes_the_plan(turn: Turn) -> bool:
    """The plan on the table said back as its first date and its rhythm ("If the 18th isn't allowed then
    Thursday the 17th and every fortnight after that", "Kung bawal ang January 5, sige December 26 na
    lang ang una, tapos buwan-buwan"): their yes to it. Round 6 (dev) read both as a new promise of the
    whole balance on that day and lost the plan."""
    offer = turn.slot("pending_offer") or {}
    schedule = offer.get("schedule") or ()
    period = turn.signal("period") or {}
    if len(schedule) < 2 or not turn.slot("verified", False) or turn.intent == "deny" or turn.signal("hedged") \
            or (turn.slot("loan") or {}).get("status") == "paused" or turn.signal("question") or not period.get("unit"):
        return False
    dues = [str(due)[:10] for due, _ in schedule]
    gap = (as_date(dues[1]) - as_date(dues[0])).days
    said = {str(d)[:10] for d in turn.entities.get("date") or ()}
    ruled_out = {str(d)[:10] for d in turn.entities.get("not_date") or ()}
    amounts = {positive_decimal(a) for _, a in schedule}
    return said == {dues[0]} and not ruled_out & set(dues) and gap in _PERIOD_DAYS.get(period["unit"], ()) \
        and all(positive_decimal(a) in amounts for a in turn.entities.get("amount") or ())


def restates_arrangement(turn: Turn) -> bool:
    """"yh 155 on fri thats rite", "fri the 11th yeah" once their terms are recorded: no term but the
    recorded ones, so what is recorded is said again, not a new promise of the whole balance on
    Friday (round 6 and round 5 (dev))."""
    active = (turn.slot("loan") or {}).get("active_arrangement") or {}
    schedule = [(i.get("due_date"), i.get("amount")) for i in active.get("schedule") or ()]
    return bool(schedule) and not turn.slot("pending_offer") and _restates_terms(turn) and _names_only(turn, schedule)


def thanks_for_their_terms(turn: Turn) -> bool:
    """Thanks for an offer that is exactly what they asked for ("thx", "Thank you so much, that's a
    relief", "好的谢谢" after their own date and amount were read back) is their yes: round 6 (dev)
    left four such promises unrecorded; "tnx" to a change they asked for in their own words ("30k on 11th,
    48k on 25th") is theirs too (round 7 (dev)). An offer the bot adjusted still needs a plain yes."""
    offer = turn.slot("pending_offer") or {}
    return not offer.get("adjusted") and not offer.get("all") and not turn.signal("hedged") \
        and (turn.slot("loan") or {}).get("status") != "paused" and only_offered_terms(turn)


def _restates_terms(turn: Turn) -> bool:
    return turn.first("amount") is not None or turn.first("date") is not None


def yes_with_other_terms(turn: Turn) -> bool:
    """A yes that names another date or amount than the offer's is a counter, whatever intent it read as."""
    return bool(turn.slot("pending_offer") and turn.slot("verified", False) and turn.signal("yes_first")) \
        and turn.intent != "deny" and (turn.slot("loan") or {}).get("status") != "paused" \
        and (turn.first("date") is not None or turn.first("amount") is not None) and not only_offered_terms(turn)


def only_offered_terms(turn: Turn) -> bool:
    """Whether the message names no amount or date but those of the offer on the table."""
    return _names_only(turn, (turn.slot("pending_offer") or {}).get("schedule") or ())


def _names_only(turn: Turn, schedule) -> bool:
    """Whether the message rules out no date and names no date or amount outside `schedule` ((due, amount) pairs)."""
    dates, amounts = {str(due)[:10] for due, _ in schedule}, {positive_decimal(amount) for _, amount in schedule}
    return turn.first("not_date") is None and all(str(d)[:10] in dates for d in turn.entities.get("date") or ()) \
        and all(positive_decimal(a) in amounts for a in turn.entities.get("amount") or ())
