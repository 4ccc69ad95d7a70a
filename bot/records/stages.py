"""The loan's stage in the lender's process, and the move from one to the next (audited).

Which stage a loan is in follows from its facts (stage_for, pure); the one
stage a fact cannot undo is legal review: a person opened it from the review
queue and only a person ends it.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from . import audit
from .errors import RecordError
from .models import LOAN_STAGES, Loan

NEGOTIATING = ("promise_pending", "in_arrangement", "disputed", "paused", "escalated")


def stage_for(*, current: str, status: str, due_date: date, today: date, replied: bool,
              follow_up_until: date | None) -> str:
    """Where the facts put the loan. `follow_up_until`: the last follow-up step's date after
    the loan was paid (None: no follow-up configured or not paid)."""
    if current == "legal_review" and status != "paid":
        return "legal_review"
    if status == "paid":
        return "follow_up" if follow_up_until is not None and today <= follow_up_until else "closed"
    if status in NEGOTIATING or replied:
        return "negotiation"
    return "reminder" if today <= due_date else "contact"


def set_stage(session: Session, loan: Loan, stage: str, *, actor: str, reason: str) -> bool:
    """Move the loan to `stage`; audited, and only when it changes."""
    if stage not in LOAN_STAGES:
        raise RecordError(f"unknown loan stage {stage!r}; one of {', '.join(LOAN_STAGES)}")
    if loan.stage == stage:
        return False
    old, loan.stage = loan.stage, stage
    audit.append(session, actor=actor, kind="record_change", loan_id=loan.loan_id,
                 borrower_id=loan.borrower.borrower_id,
                 payload={"change": "loan_stage", "from": old, "to": stage, "reason": reason})
    session.flush()
    return True
