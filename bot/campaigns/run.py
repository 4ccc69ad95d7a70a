"""Perform what is due at one moment: bookkeeping, the day's plan, and the sends whose time has come.

Every step is idempotent, so the task queue may run it every few minutes, on
several workers, and after a crash: planning stores each (loan, step, local
date) once; a send is claimed by one worker before the provider is called and
is never called twice (bot/records/sends.py). The guard is asked again at the
moment of sending, since an opt-out or a dispute may have come in since the
plan.
"""
from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable

from sqlalchemy import select, update

from bot.clock import local_today
from bot.channels.providers import Outgoing, ProviderError, SendResult, send as provider_send
from bot.config.campaigns import load_campaigns
from bot.records import audit, sends, writes
from bot.records.db import transaction
from bot.records.models import ContactEvent, Loan, OutboundSend

from . import plan
from .facts import contact_facts, load_loans, loan_facts, paid_off_on, unplanned
from .lifecycle import keep_up, review_cases

log = logging.getLogger(__name__)
ACTOR = "campaigns"
SUBJECT = "A message from {lender}"
BATCH = 500


@dataclass
class Outcome:
    planned: int = 0
    dropped: int = 0
    sent: int = 0
    failed: int = 0
    moved: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def heard_from(session, borrower_pks) -> set[int]:
    """Borrowers who ever wrote to us (legal review waits longer for them)."""
    return set(session.execute(select(ContactEvent.borrower_pk).where(
        ContactEvent.direction == "in", ContactEvent.borrower_pk.in_(list(borrower_pks)))).scalars())


def prepare(session_factory, now: datetime, loan_ids=None, texts=None, channels=None) -> Outcome:
    """Bookkeeping and planning, once per loan and borrower's date, in batches of BATCH loans
    (one transaction each, so the bot's own writes never wait long for the job)."""
    outcome, campaigns, texts = Outcome(), load_campaigns(), texts or plan.TextChecks()
    channels = plan.available_channels() if channels is None else channels
    with transaction(session_factory) as session:
        sends.expire_stuck(session, now)
        todo = unplanned(session, now, loan_ids)
    for start in range(0, len(todo), BATCH):
        with transaction(session_factory) as session:
            loans = load_loans(session, pks=todo[start:start + BATCH])
            borrowers = {loan.borrower_pk for loan in loans}
            attempts, last_in, open_cases = contact_facts(session, now, borrowers)
            contacts = (attempts, last_in, open_cases, heard_from(session, borrowers),
                        sends.replied_loans(session, [loan.id for loan in loans]), review_cases(session, loans))
            lines = [line for loan in loans
                     for line in _prepare_loan(session, loan, now, campaigns, contacts, texts, channels)]
            stored = sends.plan_many(session, [_stored(line) for line in lines])
            _mark_planned(session, loans, now)
            for line in lines:
                if _stored(line).key in stored:
                    outcome.dropped += line.status == "dropped"
                    outcome.planned += line.status != "dropped"
                    outcome.moved += line.status == "moved"
    return outcome


def _mark_planned(session, loans, now: datetime) -> None:
    """planned_on = each borrower's date, one UPDATE per date (not one ORM update per loan)."""
    by_day: dict = {}
    for loan in loans:
        by_day.setdefault(local_today(loan.borrower.timezone, now), []).append(loan.id)
    for day, pks in by_day.items():
        session.execute(update(Loan).where(Loan.id.in_(pks)).values(planned_on=day)
                        .execution_options(synchronize_session=False))


def _stored(line: plan.Line) -> sends.Planned:
    return sends.Planned(loan_pk=line.loan_pk, stage=line.stage, step=line.step, message=line.message,
                         channel=line.channel, local_date=line.local_date, send_at=line.send_at,
                         status="dropped" if line.status == "dropped" else "planned", rule=line.rule,
                         reason=line.reason)


def _prepare_loan(session, loan, now, campaigns, contacts, texts, channels) -> list[plan.Line]:
    """One loan's bookkeeping, then its lines for the borrower's date (stored by the caller)."""
    attempts, last_in, open_cases, heard, replied, reviews = contacts
    cadence = campaigns.cadence(loan.product_code, loan.borrower.jurisdiction)
    today = local_today(loan.borrower.timezone, now)
    keep_up(session, loan, cadence, today, heard_from=loan.borrower_pk in heard,
            paid_on=paid_off_on(loan, loan.borrower.timezone), replied=loan.id in replied, case=reviews.get(loan.id))
    facts = loan_facts(loan, today, cadence.grace_days, attempts=attempts.get(loan.borrower_pk, ()),
                       last_in=last_in.get(loan.borrower_pk), open_case=loan.borrower_pk in open_cases)
    return plan.plan_loan(facts, today, texts, campaigns, channels)


def address(facts, channel: str) -> str:
    return str(getattr(facts, plan.ADDRESS[channel]))


def deliver(channel: str, to: str, text: str, key: str) -> SendResult:
    """The provider call (telegram through the bot's own Telegram sender)."""
    if channel == "telegram":
        from bot.channels.telegram import send_proactive
        from bot.compliance.decision import ALLOW
        token = os.environ.get("TELEGRAM_TOKEN", "")
        if not token:
            raise ProviderError("TELEGRAM_TOKEN is not set: it is needed to send campaign messages on Telegram")
        asyncio.run(send_proactive(token, int(to), text, check=lambda _words: ALLOW,
                                   base_url=os.environ.get("TELEGRAM_BASE_URL") or None))
        return SendResult(provider="telegram", provider_id=key, accepted=True)
    lender = plan.load_bot().lender.name
    return provider_send(Outgoing(channel=channel, to=to, text=text, key=key, subject=SUBJECT.format(lender=lender)))


def send_one(session_factory, send_id: int, now: datetime, *, deliver: Callable = deliver, texts=None,
             channels=None) -> str:
    """Claim, re-check, send and record one due send; what became of it."""
    campaigns, texts = load_campaigns(), texts or plan.TextChecks()
    with transaction(session_factory) as session:
        if not sends.claim(session, send_id):
            return "skipped"
    with transaction(session_factory) as session:
        row = session.get(OutboundSend, send_id)
        loan = row.loan
        tz = loan.borrower.timezone
        cadence = campaigns.cadence(loan.product_code, loan.borrower.jurisdiction)
        attempts, last_in, open_cases = contact_facts(session, now, [loan.borrower_pk])
        facts = loan_facts(loan, local_today(tz, now), cadence.grace_days, attempts=attempts.get(loan.borrower_pk, ()),
                           last_in=last_in.get(loan.borrower_pk), open_case=loan.borrower_pk in open_cases)
        text = plan.compose(row.message, facts)
        ctx = plan.context(facts, row.channel, now, ())
        decision = plan.judge(text, ctx, texts, facts.language) if facts.stage != "legal_review" else None
        where = {"loan_id": loan.loan_id, "borrower_id": loan.borrower.borrower_id}
        if decision is None or not decision.allowed:
            rule = decision.rule if decision else "legal_review_pause"
            reason = decision.reason if decision else "The loan is in legal review by a person."
            moved = (plan.next_allowed(text, ctx, texts, facts.language)[0]
                     if decision and decision.rule in plan.MOVABLE else None)
            sends.settle(session, send_id, status="planned" if moved else "dropped", at=now, rule=rule,
                         reason=reason, send_at=moved)
            audit.append(session, actor=ACTOR, kind="compliance_decision", **where,
                         payload={"source": "campaign", "send": row.key, "step": row.step, "text": text,
                                  "allowed": False, "rule": rule, "reason": reason,
                                  "moved_to": moved.isoformat() if moved else None})
            return "moved" if moved else "dropped"
        outgoing = plan.with_disclosures(text, ctx, facts.language)
        to, channel, key = address(facts, row.channel), row.channel, row.key
        fallback = next_channel(facts, cadence, row, channels) if row.attempts < _max_sends(cadence, row.step) else None
    try:
        result = deliver(channel, to, outgoing, key)
    except ProviderError as exc:  # never retried blindly: the provider may have sent it
        with transaction(session_factory) as session:
            sends.settle(session, send_id, status="unknown", at=now, reason=str(exc)[:500])
        log.warning("send %s: provider error, left unknown: %s", key, exc)
        return "failed"
    with transaction(session_factory) as session:
        status = "sent" if result.accepted else "failed"
        sends.settle(session, send_id, status=status, at=now, provider=result.provider,
                     provider_id=result.provider_id, reason=result.error or None)
        if not result.accepted and fallback:  # the step's next channel, at the next run (judged again then)
            sends.settle(session, send_id, status="planned", at=now, channel=fallback, send_at=now)
        if result.accepted:
            writes.record_contact(session, borrower_id=where["borrower_id"], loan_id=where["loan_id"],
                                  channel=channel, direction="out", kind="campaign", at=now)
        audit.append(session, actor=ACTOR, kind="message_out" if result.accepted else "send_failed", **where,
                     payload={"source": "campaign", "send": key, "channel": channel, "text": outgoing,
                              "provider": result.provider, "provider_id": result.provider_id,
                              "error": result.error, "allowed": True})
    return "sent" if result.accepted else "failed"


def _max_sends(cadence, step: str) -> int:
    try:
        return cadence.step(step).max_sends
    except (KeyError, ValueError):  # a step removed from the file since it was planned
        return 1


def next_channel(facts, cadence, row, channels=None) -> str | None:
    """After a refused send: the step's next channel this deployment has and the borrower can be reached on."""
    try:
        order = list(cadence.step(row.step).channels)
    except (KeyError, ValueError):
        return None
    later = order[order.index(row.channel) + 1:] if row.channel in order else []
    available = plan.available_channels() if channels is None else channels
    return next((c for c in later if c in available and getattr(facts, plan.ADDRESS[c], None)
                 and c not in facts.opted_out_channels), None)


def run(session_factory, now: datetime, *, deliver: Callable = deliver, loan_ids=None, channels=None) -> Outcome:
    """Everything due at `now`: bookkeeping, planning, then each due send."""
    texts = plan.TextChecks()
    outcome = prepare(session_factory, now, loan_ids, texts, channels)
    with transaction(session_factory) as session:
        due = sends.due(session, now, loan_ids=loan_ids)
    for send_id in due:
        result = send_one(session_factory, send_id, now, deliver=deliver, texts=texts, channels=channels)
        if result in ("sent", "failed", "skipped"):
            setattr(outcome, result, getattr(outcome, result) + 1)
    return outcome


def plan_for(session_factory, day: date, loan_ids=None, channels=None) -> list[dict]:
    """What `day` (each borrower's local date) would send, without writing anything."""
    campaigns, texts, out = load_campaigns(), plan.TextChecks(), []
    channels = plan.available_channels() if channels is None else channels
    noon = datetime.combine(day, time(12), tzinfo=timezone.utc)
    with transaction(session_factory) as session:
        attempts, last_in, open_cases = contact_facts(session, noon)
        for loan in load_loans(session, loan_ids):
            cadence = campaigns.cadence(loan.product_code, loan.borrower.jurisdiction)
            facts = loan_facts(loan, day, cadence.grace_days, attempts=attempts.get(loan.borrower_pk, ()),
                               last_in=last_in.get(loan.borrower_pk), open_case=loan.borrower_pk in open_cases)
            out.extend(line.as_dict() for line in plan.plan_loan(facts, day, texts, campaigns, channels))
        session.rollback()
    return out
