"""A payment provider's settlement file against the payments we recorded.

The provider settles what it collected in a CSV (one row a payment:
reference, loan_id, amount, currency, paid_at). A callback that never reached
us, or one we recorded that the provider did not settle, is money the lender
cannot account for, so the report names each one: in the file but not in the
records, in the records (within the file's dates) but not in the file, and
the same reference with other details. Bad rows are reported by line number
and the rest are still compared. Nothing is written.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Loan, Payment

COLUMNS = ("reference", "loan_id", "amount", "currency", "paid_at")


@dataclass(frozen=True)
class Settled:
    line: int
    reference: str
    loan_id: str
    amount: Decimal
    currency: str
    paid_at: datetime


@dataclass
class Report:
    settled: int = 0
    matched: int = 0
    bad_rows: list[str] = field(default_factory=list)
    missing_in_records: list[str] = field(default_factory=list)
    missing_in_file: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.bad_rows or self.missing_in_records or self.missing_in_file or self.different)

    def lines(self) -> list[str]:
        out = [f"settled {self.settled}, matched {self.matched}, missing in records {len(self.missing_in_records)}, "
               f"missing in file {len(self.missing_in_file)}, different {len(self.different)}, "
               f"bad rows {len(self.bad_rows)}"]
        for title, items in (("bad row", self.bad_rows), ("missing in records", self.missing_in_records),
                             ("missing in file", self.missing_in_file), ("different", self.different)):
            out += [f"{title}: {item}" for item in items]
        return out


def _row(line: int, row: dict) -> Settled:
    missing = [c for c in COLUMNS if not (row.get(c) or "").strip()]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    try:
        amount = Decimal(row["amount"].strip())
    except InvalidOperation:
        raise ValueError(f"amount {row['amount']!r} is not a decimal") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"amount {row['amount']!r} must be above zero")
    try:
        paid_at = datetime.fromisoformat(row["paid_at"].strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"paid_at {row['paid_at']!r} is not ISO 8601") from None
    if paid_at.tzinfo is None:
        raise ValueError(f"paid_at {row['paid_at']!r} has no UTC offset")
    return Settled(line, row["reference"].strip(), row["loan_id"].strip(), amount,
                   row["currency"].strip().upper(), paid_at)


def read_settlement(path: Path, report: Report) -> list[Settled]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        absent = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if absent:
            raise ValueError(f"{path}: the header lacks {', '.join(absent)} (columns: {', '.join(COLUMNS)})")
        rows = []
        for number, row in enumerate(reader, start=2):
            try:
                rows.append(_row(number, row))
            except ValueError as exc:
                report.bad_rows.append(f"line {number}: {exc}")
    return rows


def reconcile(session: Session, path: Path) -> Report:
    """Compare the file with the payments recorded between its first and last paid_at (± a day)."""
    report = Report()
    rows = read_settlement(path, report)
    report.settled = len(rows)
    seen: dict[str, Settled] = {}
    for row in rows:
        if row.reference in seen:
            report.bad_rows.append(f"line {row.line}: reference {row.reference!r} already on line "
                                   f"{seen[row.reference].line}")
        seen[row.reference] = row
    ours = {p.reference: (p, loan_id) for p, loan_id in session.execute(
        select(Payment, Loan.loan_id).join(Loan, Payment.loan_pk == Loan.id)
        .where(Payment.reference.in_(list(seen)))).all()} if seen else {}
    for reference, row in seen.items():
        found = ours.get(reference)
        if found is None:
            report.missing_in_records.append(f"{reference} (line {row.line}, {row.loan_id}, "
                                             f"{row.amount} {row.currency})")
            continue
        payment, loan_id = found
        if (loan_id, payment.amount, payment.currency) != (row.loan_id, row.amount, row.currency):
            report.different.append(f"{reference}: file {row.loan_id} {row.amount} {row.currency}, records "
                                    f"{loan_id} {payment.amount} {payment.currency}")
        else:
            report.matched += 1
    if rows:
        start = min(r.paid_at for r in rows) - timedelta(days=1)
        end = max(r.paid_at for r in rows) + timedelta(days=1)
        for payment, loan_id in session.execute(
                select(Payment, Loan.loan_id).join(Loan, Payment.loan_pk == Loan.id)
                .where(Payment.paid_at >= start, Payment.paid_at <= end).order_by(Payment.paid_at)).all():
            if payment.reference not in seen:
                report.missing_in_file.append(f"{payment.reference} ({loan_id}, {payment.amount} "
                                              f"{payment.currency}, {payment.paid_at.isoformat()})")
    return report
