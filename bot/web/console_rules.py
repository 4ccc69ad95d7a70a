"""Pure helpers for the console: request validation and the agent-reply context.

Kept free of aiohttp and the database so they are unit-testable and the
handlers stay one call deep.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot import clock
from bot.compliance import OutboundContext
from bot.negotiation.kinds import OfferKind
from bot.negotiation.plans import Instalment, Offer

MAX_REPLY = 2000
DECIMAL_RE = re.compile(r"^\d{1,12}(\.\d{1,4})?$")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# The arrangement kinds an agent may record, and the offer kind each is validated as.
OFFER_KIND_OF = {"promise_to_pay": OfferKind.PROMISE_TO_PAY, "part_payment": OfferKind.PART_PAYMENT,
                 "deferral": OfferKind.DEFERRAL, "instalment_plan": OfferKind.INSTALMENT_PLAN}
# An agent's text "mentions the debt" when it names money, the loan or paying.
DEBT_WORDS = re.compile(
    r"\b(debt|loan|owe[sd]?|owing|balance|arrears?|overdue|outstanding|pay(ment|ments|ing|able)?|paid|"
    r"instal(l)?ments?|repay\w*|due|fees?|interest|LN-?\d+)\b|\d[\d,]*\.\d{2}\b", re.I)
# Asking for the reference to verify someone reveals nothing about a debt.
VERIFY_PHRASES = re.compile(r"\b(loan|account)\s+(reference|ref|number|id)\b", re.I)
# ... and "makes a new demand" when it asks for or proposes a payment.
DEMAND_WORDS = re.compile(
    r"\b(pay|payment|settle|clear|deposit|transfer|send)\b.*\b(by|before|today|now|tomorrow|within|on)\b|"
    r"\b(propose|offer|plan|arrangement|instal(l)?ments?)\b", re.I)


class BadRequest(ValueError):
    pass


def reply_text(body: dict) -> str:
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("text: write a message")
    if len(text) > MAX_REPLY:
        raise BadRequest(f"text: at most {MAX_REPLY} characters")
    return text.strip()


def reply_context(text: str, *, case: dict, tracker_slots: dict, channel: str,
                  now: datetime | None = None) -> OutboundContext:
    """The compliance context of an agent's reply to a borrower who wrote first."""
    loan = case.get("loan") or {}
    borrower = loan.get("borrower") or {}
    verified = bool(tracker_slots.get("verified")) or bool((case.get("summary") or {}).get("verified"))
    prefs = loan.get("contact_preferences") or {}
    return OutboundContext(
        jurisdictions=(borrower.get("jurisdiction") or "DEFAULT",),
        borrower_tz=borrower.get("timezone") or "UTC",
        now_utc=now or clock.now(),
        channel=channel or "rest",
        initiated_by_borrower=True,
        verified=verified,
        mentions_debt=verified or bool(DEBT_WORDS.search(VERIFY_PHRASES.sub(" ", text))),
        new_demand=bool(DEMAND_WORDS.search(text)),
        cease_contact=bool(prefs.get("cease_contact")),
        opted_out_channels=tuple(prefs.get("opted_out_channels") or ()),
        disputed=loan.get("status") == "disputed",
        paused=loan.get("status") == "paused",
    )


def _decimal(value, where: str) -> Decimal:
    if not isinstance(value, str) or not DECIMAL_RE.match(value.strip()):
        raise BadRequest(f"{where}: an amount like 1250.00 (a string, never a JSON number)")
    return Decimal(value.strip())


def _date(value, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{where}: a date like 2026-12-15") from None


@dataclass(frozen=True)
class ArrangementForm:
    kind: str  # a records arrangement kind
    offer: Offer
    override_reason: str
    hardship_reason: str
    key: str


def arrangement_form(body: dict) -> ArrangementForm:
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in OFFER_KIND_OF:
        raise BadRequest(f"kind: one of {', '.join(OFFER_KIND_OF)}")
    rows = body.get("schedule")
    if not isinstance(rows, list) or not 1 <= len(rows) <= 60:
        raise BadRequest("schedule: 1-60 payments, each {due, amount}")
    schedule = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise BadRequest(f"schedule[{n}]: {{due, amount}}")
        schedule.append(Instalment(_date(row.get("due"), f"schedule[{n}].due"),
                                   _decimal(row.get("amount"), f"schedule[{n}].amount")))
    waiver = _decimal(body.get("waiver") or "0", "waiver")
    hardship = body.get("hardship", False)
    if not isinstance(hardship, bool):
        raise BadRequest("hardship: true or false")
    hardship_reason = str(body.get("hardship_reason") or "").strip()[:500]
    if hardship and not hardship_reason:
        raise BadRequest("hardship_reason: say what the documented hardship is")
    key = body.get("submission_id")
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise BadRequest("submission_id: 8-64 letters, digits, '-' or '_' (one per form submission)")
    offer_kind = OfferKind.HARDSHIP_PLAN if hardship and kind == "instalment_plan" else OFFER_KIND_OF[kind]
    offer = Offer(offer_kind, tuple(schedule), waiver=waiver, hardship=hardship)
    return ArrangementForm(kind, offer, str(body.get("override_reason") or "").strip()[:500],
                           hardship_reason, key)
