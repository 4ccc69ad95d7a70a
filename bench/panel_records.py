"""What the records hold after a panel conversation (bench/panel.py).

Read straight from the database through bot.records' models, after every
conversation has ended, so the judge compares what the borrower agreed with
what was written, not with what the bot said it wrote. Imports bot lazily:
bench/panel.py puts the checkout under test first on sys.path before calling.
"""
from __future__ import annotations

import json

# Audit kinds that repeat the transcript (every message in and out); the import is left out by its actor.
SKIP_AUDIT = {"message_in", "message_out"}
NOISE = {"idempotency_key", "conversation_id"}


def short(value, limit: int = 320) -> str:
    """A payload as one short JSON line (the judge reads the kind first, the details if needed)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _payload(payload) -> dict:
    """The payload without the keys that only identify (the judge reads what changed)."""
    return {k: v for k, v in (payload or {}).items() if k not in NOISE} if isinstance(payload, dict) else payload


def _arrangement(arr) -> dict:
    return {
        "id": arr.id, "kind": arr.kind, "status": arr.status,
        "schedule": [[s.due_date.isoformat(), str(s.amount)] for s in arr.schedule],
        "hardship_reason": arr.hardship_reason, "actor": arr.actor,
        "terms": {k: v for k, v in (arr.terms or {}).items() if k not in ("conversation_id", "idempotency_key")},
    }


def _handoff(case) -> dict:
    return {
        "id": case.id, "status": case.status, "reason": case.reason,
        "priority": getattr(case, "priority", None),
        "loan_id": case.loan.loan_id if case.loan else None,
        "messages": [m.get("text") if isinstance(m, dict) else m for m in (getattr(case, "messages", None) or [])],
        "escalated": bool(getattr(case, "escalated_at", None)),
    }


def _campaigns_paused(session, loan) -> bool | None:
    """Whether the reminder campaigns would skip this loan, by the product's own reading (an open case
    or a paused loan pauses them: bot/campaigns/facts.py); None for a checkout without campaigns."""
    try:
        from bot.campaigns.facts import contact_facts
    except ImportError:
        return None
    from datetime import datetime, timezone

    open_cases = contact_facts(session, datetime.now(timezone.utc), [loan.borrower.id])[2]
    return loan.status == "paused" or loan.borrower.id in open_cases


def read_records(database_url: str, conversations: dict[str, str]) -> dict[str, dict]:
    """{conversation id: records} for {conversation id: loan id}: the loan's status, arrangements,
    payments, contact preferences; the hand-offs and audit entries of that conversation or loan."""
    from sqlalchemy import or_, select
    from sqlalchemy.orm import Session

    from bot.records.db import make_engine
    from bot.records.models import AuditEntry, Handoff, Loan

    found: dict[str, dict] = {}
    with Session(make_engine(database_url), future=True) as session:
        for conversation, loan_id in conversations.items():
            loan = session.execute(select(Loan).where(Loan.loan_id == loan_id)).scalar_one_or_none()
            if loan is None:
                found[conversation] = {"error": f"loan {loan_id} not in the records"}
                continue
            borrower = loan.borrower
            cases = session.execute(select(Handoff).where(or_(
                Handoff.conversation_id == conversation, Handoff.loan_pk == loan.id)).order_by(Handoff.id)).scalars()
            entries = session.execute(select(AuditEntry).where(or_(
                AuditEntry.conversation_id == conversation, AuditEntry.loan_id == loan.loan_id,
                (AuditEntry.loan_id.is_(None)) & (AuditEntry.borrower_id == borrower.borrower_id),
            )).order_by(AuditEntry.seq)).scalars().all()
            found[conversation] = {
                "campaigns_paused": _campaigns_paused(session, loan),
                "loan_id": loan.loan_id, "status": loan.status, "due_date": loan.due_date.isoformat(),
                "arrangements": [_arrangement(a) for a in loan.arrangements],
                "payments": [[p.reference, str(p.amount), p.currency] for p in loan.payments],
                "contact": {"cease_contact": bool(borrower.cease_contact),
                            "opted_out_channels": sorted(borrower.opted_out_channels or [])},
                "handoffs": [_handoff(c) for c in cases],
                "audit": [{"kind": e.kind, "actor": e.actor, "payload": _payload(e.payload)} for e in entries
                          if e.kind not in SKIP_AUDIT and not (e.actor or "").startswith("import")],
                "audit_skipped": sum(1 for e in entries if e.kind in SKIP_AUDIT),
            }
    return found


def records_lines(records: dict) -> list[str]:
    """The records as short markdown bullets."""
    if "error" in records:
        return [f"- **error:** {records['error']}"]
    lines = [f"- loan status: **{records['status']}** (due date in the records {records['due_date']})"]
    if not records["arrangements"]:
        lines.append("- arrangements: none")
    for a in records["arrangements"]:
        schedule = ", ".join(f"{d} {amount}" for d, amount in a["schedule"]) or "no schedule"
        extra = f"; hardship: {a['hardship_reason']}" if a["hardship_reason"] else ""
        lines.append(f"- arrangement #{a['id']}: {a['kind']}, {a['status']}: {schedule}{extra}; "
                     f"terms {short(a['terms'], 200)}")
    for reference, amount, currency in records["payments"]:
        lines.append(f"- payment: {currency} {amount} (reference {reference})")
    contact = records["contact"]
    paused = records.get("campaigns_paused")
    if paused is not None:
        lines.append("- reminder campaigns: " + ("paused (an open case or a paused loan)" if paused
                                                else "not paused"))
    lines.append(f"- contact: cease_contact {'yes' if contact['cease_contact'] else 'no'}; opted out of: "
                 f"{', '.join(contact['opted_out_channels']) or 'nothing'}")
    if not records["handoffs"]:
        lines.append("- hand-offs: none")
    for h in records["handoffs"]:
        messages = "; ".join(f"“{m}”" for m in h["messages"]) or "none"
        priority = "" if h["priority"] is None else f", priority {h['priority']}"  # no such column before issue 13
        lines.append(f"- hand-off #{h['id']}: {h['status']}, reason “{h['reason']}”{priority}, "
                     f"loan {h['loan_id'] or 'not linked'}{', escalated' if h['escalated'] else ''}; "
                     f"messages appended: {messages}")
    if records["audit"]:
        lines.append("- audit (this conversation and loan; messages in/out left out):")
        lines.extend(f"    - {e['kind']} ({e['actor']}): {short(e['payload'])}" for e in records["audit"])
    return lines
