"""The daily bookkeeping of a loan's life: arrangements kept or broken, the stage, legal review.

Run before planning, in the same transaction, so the plan sees today's truth:
an instalment missed after its grace days breaks the arrangement (the loan is
overdue again and the broken-promise follow-up falls due), a schedule paid in
full keeps it. Legal review is a person's decision: the trigger only puts the
loan in the review queue (a hand-off case the console shows) and pauses contact.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config.campaigns import Cadence
from bot.records import writes
from bot.records.allocation import arrangement_outcome
from bot.records.models import Handoff, Loan
from bot.records.payments import instalments
from bot.records.queries import active_arrangement, balance
from bot.records.stages import set_stage, stage_for


ACTOR = "campaigns"
REVIEW_REASON = "legal_review"


def settle_arrangement(session: Session, loan: Loan, today: date, grace_days: int) -> str | None:
    """Kept or broken by the payments (bot/records/allocation.py); None while pending."""
    active = active_arrangement(loan)
    if active is None or not active.schedule:
        return None
    states = instalments(active, today, grace_days)
    outcome = arrangement_outcome(states, today, grace_days)
    if outcome == "pending":
        return None
    missed = [s.seq for s in states if s.state == "missed"]
    reason = (f"every instalment paid by its date + {grace_days} grace days" if outcome == "kept"
              else f"instalment(s) {missed} not paid by their date + {grace_days} grace days")
    writes.set_arrangement_status(session, active.id, outcome, actor=ACTOR, reason=reason)
    if loan.status in ("promise_pending", "in_arrangement"):
        after = "paid" if balance(loan) == 0 else "overdue"
        writes.set_loan_status(session, loan.loan_id, after, actor=ACTOR, reason=f"arrangement {outcome}")
    return outcome


def review_due(loan: Loan, cadence: Cadence, today: date, heard_from: bool,
               reviewed_at: datetime | None = None) -> str | None:
    """Why the loan goes to legal review today, or None. What a person already reviewed
    (`reviewed_at`: their last review case closed then) does not send it back: only
    arrangements broken since count, and the days-without-contact trigger fires once."""
    broken = sum(1 for a in loan.arrangements if a.status == "broken"
                 and (reviewed_at is None or a.updated_at > reviewed_at))
    if broken >= cadence.legal_review.broken_arrangements:
        return f"{broken} arrangements broken"
    overdue = (today - loan.due_date).days
    if loan.status == "overdue" and not heard_from and reviewed_at is None \
            and overdue >= cadence.legal_review.days_overdue_without_contact:
        return f"{overdue} days overdue without contact from the borrower"
    return None


def review_cases(session: Session, loans: list[Loan]) -> dict[int, Handoff]:
    """Each loan's latest legal-review case (the console's queue), by loan pk; one query a batch."""
    wanted = {review_conversation(loan): loan.id for loan in loans}
    latest: dict[int, Handoff] = {}
    for case in session.execute(select(Handoff).where(Handoff.conversation_id.in_(list(wanted)))
                                .order_by(Handoff.id)).scalars():
        latest[wanted[case.conversation_id]] = case
    return latest


def review_conversation(loan: Loan) -> str:
    return f"legal-review:{loan.loan_id}"


def open_review(session: Session, loan: Loan, why: str, today: date) -> None:
    """A case in the console's queue, with what a reviewer needs first."""
    summary = {"kind": REVIEW_REASON, "why": why, "balance": str(balance(loan)), "currency": loan.currency,
               "days_overdue": (today - loan.due_date).days,
               "arrangements": [{"kind": a.kind, "status": a.status} for a in loan.arrangements],
               "product_code": loan.product_code}
    writes.open_handoff(session, loan_id=loan.loan_id, borrower_id=loan.borrower.borrower_id,
                        conversation_id=review_conversation(loan), reason=f"legal review: {why}",
                        summary=summary)
    set_stage(session, loan, "legal_review", actor=ACTOR, reason=why)


def follow_up_until(loan: Loan, cadence: Cadence, paid_on: date | None) -> date | None:
    steps = cadence.stages.get("follow_up", ())
    if paid_on is None or not steps:
        return None
    return paid_on + timedelta(days=max(s.offset_days for s in steps))


def keep_up(session: Session, loan: Loan, cadence: Cadence, today: date, *, heard_from: bool,
            paid_on: date | None, replied: bool = False, case: Handoff | None = None) -> None:
    """One loan's bookkeeping for `today` (the borrower's date). `heard_from`: the borrower ever wrote
    to us; `replied`: they answered a campaign message of this loan; `case`: its latest legal-review
    case (review_cases)."""
    settle_arrangement(session, loan, today, cadence.grace_days)
    current = loan.stage
    if current == "legal_review" and loan.status != "paid":
        if case is None or case.status != "closed":
            return  # a person has it; contact stays paused
        current = "contact"  # the person closed the review: the loan goes back to the process
    if loan.status != "paid" and review_due(loan, cadence, today, heard_from):
        reviewed_at = case.closed_at if case is not None and case.status == "closed" else None
        why = review_due(loan, cadence, today, heard_from, reviewed_at)
        if why:
            open_review(session, loan, why, today)
            return
    stage = stage_for(current=current, status=loan.status, due_date=loan.due_date, today=today,
                      replied=heard_from or replied,
                      follow_up_until=follow_up_until(loan, cadence, paid_on))
    reason = ("legal review closed by a person" if loan.stage == "legal_review"
              else f"status {loan.status} on {today.isoformat()}")
    set_stage(session, loan, stage, actor=ACTOR, reason=reason)
