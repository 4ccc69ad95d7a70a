"""JSON-safe read models for the admin API and CLI (money as strings)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from .audit import format_at
from .models import AuditEntry, Handoff, Loan
from . import payments, queries, sends
from .queries import arrangement_dict, balance, find_loan, local_today, payments_since_import
from .types import tidy_money

DEFAULT_GRACE_DAYS = 3  # config/campaigns.yml's default; callers pass the loan's own (grace_days)


def instalment_states(loan, grace_days: int = DEFAULT_GRACE_DAYS) -> list[dict]:
    """The active (else latest) arrangement's schedule, each instalment due / paid / part_paid / missed
    at the borrower's date. Grace days are the lender's (config/campaigns.yml, per product and
    jurisdiction): the caller passes them, records read no configuration."""
    arrangement = queries.active_arrangement(loan) or next(
        (a for a in reversed(loan.arrangements) if a.status in ("kept", "broken")), None)
    if arrangement is None:
        return []
    return payments.state_dicts(payments.instalments(arrangement, local_today(loan.borrower.timezone), grace_days))


def loan_summary(session: Session, loan_id: str, grace_days: Callable[[Loan], int] | None = None) -> dict | None:
    """GET /api/loans/{loan_id}: balances, status, arrangements, contact preferences."""
    loan = find_loan(session, loan_id)
    if loan is None:
        return None
    borrower = loan.borrower
    arrangements = [arrangement_dict(a) for a in loan.arrangements]
    return {
        "loan_id": loan.loan_id,
        "status": loan.status,
        "product_code": loan.product_code,
        "currency": loan.currency,
        "due_date": loan.due_date.isoformat(),
        "balances": {
            "principal": str(loan.principal),
            "outstanding_principal": str(loan.outstanding_principal),
            "accrued_interest": str(loan.accrued_interest),
            "late_fees": str(loan.late_fees),
            "payments_since_import": str(tidy_money(payments_since_import(loan))),
            "total": str(balance(loan)),
            "as_of": format_at(loan.balances_as_of),
        },
        "borrower": {
            "borrower_id": borrower.borrower_id,
            "full_name": borrower.full_name,
            "phone": borrower.phone,
            "email": borrower.email,
            "jurisdiction": borrower.jurisdiction,
            "timezone": borrower.timezone,
            "language": borrower.language,
            "telegram_linked": borrower.telegram_user_id is not None,
            "other_loan_ids": [l.loan_id for l in borrower.loans if l.id != loan.id],
        },
        "active_arrangement": next((a for a in arrangements if a["status"] == "active"), None),
        "past_arrangements": [a for a in arrangements if a["status"] != "active"],
        "payments": [
            {"reference": p.reference, "amount": str(p.amount), "currency": p.currency,
             "paid_at": format_at(p.paid_at), "reverses": p.reverses}
            for p in loan.payments
        ],
        "stage": loan.stage,
        "instalments": instalment_states(loan, grace_days(loan) if grace_days else DEFAULT_GRACE_DAYS),
        "contact_history": sends.history(session, loan.id),
        "contact_preferences": {
            "opted_out_channels": sorted(borrower.opted_out_channels or []),
            "cease_contact": bool(borrower.cease_contact),
        },
        "updated_at": format_at(loan.updated_at),
    }


def audit_dict(entry) -> dict:
    return {
        "seq": entry.seq, "at": format_at(entry.at), "actor": entry.actor, "kind": entry.kind,
        "loan_id": entry.loan_id, "borrower_id": entry.borrower_id,
        "conversation_id": entry.conversation_id, "payload": entry.payload,
        "prev_hash": entry.prev_hash, "hash": entry.hash,
    }


def loan_audit(session: Session, loan_id: str) -> list[dict]:
    """The loan's trail: its own entries plus its borrower's loan-less ones
    (e.g. a cease-contact request), oldest first. [] for an unknown loan."""
    loan = find_loan(session, loan_id)
    if loan is None:
        return []
    borrower_id = loan.borrower.borrower_id
    rows = session.execute(
        select(AuditEntry).where(or_(
            AuditEntry.loan_id == loan.loan_id,
            (AuditEntry.loan_id.is_(None)) & (AuditEntry.borrower_id == borrower_id),
        )).order_by(AuditEntry.seq)
    ).scalars()
    return [audit_dict(e) for e in rows]


def handoff_dict(h: Handoff) -> dict:
    return {
        "id": h.id,
        "status": h.status,
        "reason": h.reason,
        "conversation_id": h.conversation_id,
        "loan_id": h.loan.loan_id if h.loan else None,
        "borrower_id": h.borrower.borrower_id if h.borrower else None,
        "borrower_name": h.borrower.full_name if h.borrower else None,
        "summary": h.summary,
        "taken_by": h.taken_by,
        "channel": h.channel,
        "taken_at": format_at(h.taken_at) if h.taken_at else None,
        "closed_at": format_at(h.closed_at) if h.closed_at else None,
        "outcome": h.outcome,
        "created_at": format_at(h.created_at),
        "updated_at": format_at(h.updated_at),
    }


def open_handoffs(session: Session, status: str | tuple[str, ...] | None = "open") -> list[dict]:
    """GET /api/handoffs?status=open: oldest first; status=None lists all.

    The console's queue passes ("open", "taken")."""
    query = select(Handoff).order_by(Handoff.created_at, Handoff.id)
    if isinstance(status, str):
        query = query.where(Handoff.status == status)
    elif status:
        query = query.where(Handoff.status.in_(status))
    return [handoff_dict(h) for h in session.execute(query).scalars()]


def offers_made(session: Session, conversation_ids: list[str]) -> dict[str, list[dict]]:
    """The bot's offers (audit `offer_made`) per conversation, oldest first."""
    found: dict[str, list[dict]] = {cid: [] for cid in conversation_ids}
    if conversation_ids:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.conversation_id.in_(conversation_ids),
                                     AuditEntry.kind == "offer_made").order_by(AuditEntry.seq)
        ).scalars()
        for e in rows:
            found[e.conversation_id].append({"at": format_at(e.at), **(e.payload or {})})
    return found


def handoff_case(session: Session, handoff_id: int) -> dict | None:
    """One console case: the queue entry, the loan summary and the offers the bot made."""
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        return None
    return {
        **handoff_dict(handoff),
        "loan": loan_summary(session, handoff.loan.loan_id) if handoff.loan else None,
        "offers": offers_made(session, [handoff.conversation_id])[handoff.conversation_id],
    }
