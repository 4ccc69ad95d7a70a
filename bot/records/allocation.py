"""Allocation of payments to an arrangement's instalments (pure: no database, no I/O).

Instalment states are derived, never stored: they are recomputed from the full list of
payments every time. That is what makes a reversal (charge-back) exact — dropping the
reversed payment and replaying the rest gives precisely the state as if it had never
been made — and what makes two workers that see the same payments agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Sequence

ZERO = Decimal("0")


@dataclass(frozen=True)
class Instalment:
    """One row of an arrangement's schedule."""
    seq: int
    due: date
    amount: Decimal


@dataclass(frozen=True)
class Paid:
    """One provider payment, or (with ``reverses``) the charge-back of one."""
    reference: str
    amount: Decimal
    paid_on: date  # the borrower's local date; the caller converts
    reverses: str | None = None


@dataclass(frozen=True)
class InstalmentState:
    seq: int
    due: date
    amount: Decimal
    paid: Decimal
    paid_in_full_on: date | None
    state: str  # "due" | "paid" | "part_paid" | "missed"


def _effective(payments: Sequence[Paid]) -> list[Paid]:
    """The payments that count, in application order; raises ValueError on inconsistent input."""
    by_ref: dict[str, Paid] = {}
    for p in payments:
        if p.reference in by_ref:
            raise ValueError(f"duplicate payment reference {p.reference!r}")
        if p.amount <= 0:
            raise ValueError(f"payment {p.reference!r} has non-positive amount {p.amount}")
        by_ref[p.reference] = p
    reversed_refs: set[str] = set()
    for p in payments:
        if p.reverses is None:
            continue
        target = by_ref.get(p.reverses)
        if target is None:
            raise ValueError(f"reversal {p.reference!r} names unknown payment {p.reverses!r}")
        if target.reverses is not None:
            raise ValueError(f"reversal {p.reference!r} names another reversal {p.reverses!r}")
        if p.reverses in reversed_refs:
            raise ValueError(f"payment {p.reverses!r} is reversed twice")
        if p.amount != target.amount:
            raise ValueError(f"reversal {p.reference!r} amount {p.amount} differs from "
                             f"payment {target.reference!r} amount {target.amount}")
        reversed_refs.add(p.reverses)
    kept = [(p.paid_on, i, p) for i, p in enumerate(payments)
            if p.reverses is None and p.reference not in reversed_refs]
    return [p for _, _, p in sorted(kept, key=lambda t: (t[0], t[1]))]


def _fill(schedule: Sequence[Instalment], payments: Sequence[Paid]) -> tuple[list[tuple], Decimal]:
    """(instalment, paid, paid_in_full_on) per instalment in seq order, and the surplus."""
    rows = sorted(schedule, key=lambda i: i.seq)
    for inst in rows:
        if inst.amount <= 0:
            raise ValueError(f"instalment {inst.seq} has non-positive amount {inst.amount}")
    paid = [ZERO] * len(rows)
    full_on: list[date | None] = [None] * len(rows)
    at, surplus_ = 0, ZERO
    for p in _effective(payments):
        left = p.amount
        while left > 0 and at < len(rows):
            take = min(left, rows[at].amount - paid[at])
            paid[at] += take
            left -= take
            if paid[at] == rows[at].amount:
                full_on[at] = p.paid_on
                at += 1
        surplus_ += left
    return list(zip(rows, paid, full_on)), surplus_


def allocate(schedule: Sequence[Instalment], payments: Sequence[Paid], today: date,
             grace_days: int) -> list[InstalmentState]:
    """Each payment (by paid_on, then input order) fills the oldest instalment not yet fully paid."""
    rows, _ = _fill(schedule, payments)
    grace = timedelta(days=grace_days)
    out = []
    for inst, paid, full_on in rows:
        if paid == inst.amount:
            state = "paid"
        elif today > inst.due + grace:
            state = "missed"
        else:
            state = "part_paid" if paid > 0 else "due"
        out.append(InstalmentState(inst.seq, inst.due, inst.amount, paid, full_on, state))
    return out


def surplus(schedule: Sequence[Instalment], payments: Sequence[Paid]) -> Decimal:
    """What was paid beyond the whole schedule (0 if none)."""
    return _fill(schedule, payments)[1]


def arrangement_outcome(states: Sequence[InstalmentState], today: date, grace_days: int) -> str:
    """"broken" once any instalment is past due+grace without being paid in full by then;
    "kept" when every instalment was paid in full by its due+grace; else "pending"."""
    grace = timedelta(days=grace_days)

    def on_time(s: InstalmentState) -> bool:
        return s.paid_in_full_on is not None and s.paid_in_full_on <= s.due + grace

    if any(today > s.due + grace and not on_time(s) for s in states):
        return "broken"
    return "kept" if all(on_time(s) for s in states) else "pending"


def newly_missed(before: Sequence[InstalmentState], after: Sequence[InstalmentState]) -> list[int]:
    """Seqs that are "missed" in ``after`` but were not in ``before`` (what triggers a follow-up)."""
    was = {s.seq for s in before if s.state == "missed"}
    return sorted(s.seq for s in after if s.state == "missed" and s.seq not in was)
