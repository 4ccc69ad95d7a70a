"""Portfolio CSV import (operator contract: "Portfolio import").

The whole file is read and every row validated first; each good row is then
written in its own savepoint (chunks of rows share a transaction), so a bad row is reported with its line number
and never half-written, and never stops the good rows. Importing the same file
again changes nothing and writes no audit entries; a newer file updates
borrower details, balances and due dates but never touches arrangements,
payments, contact history, contact preferences or the audit trail.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from . import audit
from .db import transaction
from .models import Borrower, Loan
from .phones import PhoneError, to_e164
from .queries import loan_key
from .types import MONEY_SCALE, utcnow

REQUIRED = (
    "loan_id", "borrower_id", "full_name", "phone", "date_of_birth", "timezone",
    "jurisdiction", "currency", "principal", "outstanding_principal", "accrued_interest",
    "late_fees", "due_date", "product_code",
)
OPTIONAL = ("email", "telegram_user_id", "language")
BORROWER_FIELDS = (
    "full_name", "phone", "date_of_birth", "timezone", "jurisdiction", "email",
    "telegram_user_id", "language",
)
LOAN_FIELDS = (
    "principal", "outstanding_principal", "accrued_interest", "late_fees", "due_date",
    "product_code",
)
BALANCE_FIELDS = ("outstanding_principal", "accrued_interest", "late_fees")

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
ISO_CURRENCIES = frozenset(list_currencies())  # ISO 4217 as CLDR knows it (Babel)
DECIMAL = re.compile(r"^\d{1,16}(\.\d{1,%d})?$" % MONEY_SCALE)
JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$|^DEFAULT$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TELEGRAM_ID = re.compile(r"^\d{1,19}$")
ID_TEXT = re.compile(r"^[^\x00-\x1f]{1,64}$")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        out = [f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, "
               f"failed {len(self.errors)}"]
        out += [f"line {line}: {reason}" for line, reason in self.errors]
        return out


class RowError(ValueError):
    pass


# --- validation -------------------------------------------------------------

def _iso_date(text: str, column: str) -> date:
    if not ISO_DATE.match(text):
        raise RowError(f"{column} must be YYYY-MM-DD, got {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"{column} is not a real date: {text!r}") from None


def _decimal(text: str, column: str) -> Decimal:
    # Regex first: no float parsing, no exponents, no signs, no NaN.
    if not DECIMAL.match(text):
        raise RowError(f"{column} must be a decimal >= 0 with at most {MONEY_SCALE} "
                       f"decimal places (e.g. 1250.50), got {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise RowError(f"{column} is not a decimal: {text!r}") from None


def _timezone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RowError(f"timezone {text!r} is not an IANA time zone (e.g. Africa/Nairobi)") from None
    return text


def _canonical(code: str, known: set[str] | None) -> str:
    """`code` as the configuration spells it, matched without regard to case (upper case
    when nothing is configured: profile names are); unchanged when nothing matches."""
    if known is None:
        return code.upper()
    if code in known:  # an exact spelling wins over a case-blind one
        return code
    return {name.upper(): name for name in sorted(known)}.get(code.upper(), code)


def validate_row(
    row: dict[str, str], known_products: set[str] | None, known_jurisdictions: set[str] | None,
    phone_regions: Mapping[str, str] | None = None,
) -> dict:
    """A clean, typed row, or RowError naming the first bad column (`phone_regions`: see phones.py)."""
    v = {k: (row.get(k) or "").strip() for k in (*REQUIRED, *OPTIONAL)}
    missing = [k for k in REQUIRED if not v[k]]
    if missing:
        raise RowError(f"missing value for {', '.join(missing)}")
    for column in ("loan_id", "borrower_id"):
        if not ID_TEXT.match(v[column]) or not loan_key(v[column]):
            raise RowError(f"{column} must be 1-64 printable characters, got {v[column]!r}")
    if len(v["full_name"]) > 200:
        raise RowError("full_name longer than 200 characters")
    dob = _iso_date(v["date_of_birth"], "date_of_birth")
    if not date(1900, 1, 1) <= dob <= date.today():
        raise RowError(f"date_of_birth {dob} is not plausible")
    _timezone(v["timezone"])
    # Codes in any case ("ke", "kes", "wallet-30"), stored as the configuration spells them.
    jurisdiction = _canonical(v["jurisdiction"], known_jurisdictions)
    if known_jurisdictions is not None:
        if jurisdiction not in known_jurisdictions:
            raise RowError(f"unknown jurisdiction {v['jurisdiction']!r} "
                           f"(known: {', '.join(sorted(known_jurisdictions))})")
    elif not JURISDICTION.match(jurisdiction):
        raise RowError(f"jurisdiction {v['jurisdiction']!r} is not a profile name like KE or US-MA")
    try:  # after the jurisdiction: it gives the region for national formats
        phone = to_e164(v["phone"], jurisdiction, phone_regions)
    except PhoneError as exc:
        raise RowError(str(exc)) from None
    currency = v["currency"].upper()  # "kes" is KES; "Ksh" is no ISO code in any case
    if not CURRENCY.match(currency) or currency not in ISO_CURRENCIES:
        raise RowError(f"currency must be an ISO 4217 code like KES, got {v['currency']!r}")
    money = {c: _decimal(v[c], c) for c in ("principal", *BALANCE_FIELDS)}
    due = _iso_date(v["due_date"], "due_date")
    product = v["product_code"] if known_products is None else _canonical(v["product_code"], known_products)
    if known_products is not None and product not in known_products:
        raise RowError(f"unknown product_code {v['product_code']!r} "
                       f"(known: {', '.join(sorted(known_products))})")
    if v["email"] and (len(v["email"]) > 254 or not EMAIL.match(v["email"])):
        raise RowError(f"email is not an address: {v['email']!r}")
    if v["telegram_user_id"] and not TELEGRAM_ID.match(v["telegram_user_id"]):
        raise RowError(f"telegram_user_id must be numeric, got {v['telegram_user_id']!r}")
    if v["language"] and not LANGUAGE.match(v["language"]):
        raise RowError(f"language must be a BCP 47 tag like en or sw-KE, got {v['language']!r}")
    return {
        "loan_id": v["loan_id"], "borrower_id": v["borrower_id"],
        "full_name": v["full_name"], "phone": phone, "date_of_birth": dob,
        "timezone": v["timezone"], "jurisdiction": jurisdiction, "currency": currency,
        **money, "due_date": due, "product_code": product,
        "email": v["email"] or None,
        "telegram_user_id": int(v["telegram_user_id"]) if v["telegram_user_id"] else None,
        "language": v["language"] or "en",
    }


def read_rows(text: str, errors: list, known_products, known_jurisdictions,
              phone_regions: Mapping[str, str] | None = None) -> list[tuple[int, dict]]:
    """(line number, clean row) for every valid row; problems go to errors."""
    if not text.strip():
        errors.append((1, "file is empty: expected a header row"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    duplicates = sorted({h for h in header if header.count(h) > 1})
    missing = [c for c in REQUIRED if c not in header]
    extra = [h for h in header if h not in REQUIRED and h not in OPTIONAL]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unknown column(s): {', '.join(extra)} "
                        f"(allowed: {', '.join((*REQUIRED, *OPTIONAL))})")
    if duplicates:
        problems.append(f"duplicate column(s): {', '.join(duplicates)}")
    if problems:
        errors.append((1, "bad header: " + "; ".join(problems) + "; nothing imported"))
        return []

    rows, seen_loans, borrower_first = [], {}, {}
    last_line = reader.line_num
    for fields in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(f.strip() for f in fields):
            continue  # blank line
        if len(fields) != len(header):
            errors.append((line, f"expected {len(header)} fields, found {len(fields)}"))
            continue
        try:
            row = validate_row(dict(zip(header, fields)), known_products, known_jurisdictions, phone_regions)
            key = loan_key(row["loan_id"])
            if key in seen_loans:
                raise RowError(f"duplicate loan_id {row['loan_id']!r} (first on line {seen_loans[key]})")
            seen_loans[key] = line
            first = borrower_first.get(row["borrower_id"])
            if first and any(first[1][f] != row[f] for f in BORROWER_FIELDS):
                diff = [f for f in BORROWER_FIELDS if first[1][f] != row[f]]
                raise RowError(f"borrower {row['borrower_id']!r} details ({', '.join(diff)}) "
                               f"differ from line {first[0]}")
            borrower_first.setdefault(row["borrower_id"], (line, row))
        except RowError as exc:
            errors.append((line, str(exc)))
            continue
        rows.append((line, row))
    return rows


# --- writing ----------------------------------------------------------------

def _changes(obj, row: dict, fields) -> dict:
    return {f: [getattr(obj, f), row[f]] for f in fields if getattr(obj, f) != row[f]}


def _write_row(session, row: dict, source: str) -> str:
    """Create or update one loan (and its borrower); 'created'/'updated'/'unchanged'."""
    key = loan_key(row["loan_id"])
    loan = session.execute(select(Loan).where(Loan.loan_key == key).with_for_update()).scalar_one_or_none()
    borrower = session.execute(
        select(Borrower).where(Borrower.borrower_id == row["borrower_id"])
    ).scalar_one_or_none()
    if row["telegram_user_id"] is not None:
        holder = session.execute(
            select(Borrower).where(Borrower.telegram_user_id == row["telegram_user_id"])
        ).scalar_one_or_none()
        if holder is not None and holder.borrower_id != row["borrower_id"]:
            raise RowError(f"telegram_user_id already belongs to borrower {holder.borrower_id!r}")
    if loan is not None:
        if loan.loan_id != row["loan_id"]:
            raise RowError(f"loan_id {row['loan_id']!r} clashes with existing loan {loan.loan_id!r}")
        if loan.borrower.borrower_id != row["borrower_id"]:
            raise RowError(f"loan belongs to borrower {loan.borrower.borrower_id!r}, "
                           f"not {row['borrower_id']!r}")
        if loan.currency != row["currency"]:
            raise RowError(f"currency changed from {loan.currency} to {row['currency']}; "
                           "a loan's currency cannot change")

    borrower_changes: dict = {}
    if borrower is None:
        borrower = Borrower(
            borrower_id=row["borrower_id"], cease_contact=False, opted_out_channels=[],
            **{f: row[f] for f in BORROWER_FIELDS},
        )
        session.add(borrower)
        borrower_changes = {"created": True}
    else:
        borrower_changes = _changes(borrower, row, BORROWER_FIELDS)
        for f in borrower_changes:
            setattr(borrower, f, row[f])
        if borrower.purged_at is not None:  # the lender sends a purged borrower again: a live record once more
            borrower.purged_at = None
            borrower_changes["purged_at"] = "cleared by re-import"

    if loan is None:
        loan = Loan(
            loan_id=row["loan_id"], loan_key=key, borrower=borrower, currency=row["currency"],
            status="overdue", balances_as_of=utcnow(), **{f: row[f] for f in LOAN_FIELDS},
        )
        session.add(loan)
        session.flush()
        payload = {"change": "loan_imported", "source": source,
                   "loan": {f: row[f] for f in ("currency", *LOAN_FIELDS)},
                   "borrower": borrower_changes or "unchanged"}
        outcome = "created"
    else:
        loan_changes = _changes(loan, row, LOAN_FIELDS)
        if not loan_changes and not borrower_changes:
            return "unchanged"
        for f in loan_changes:
            setattr(loan, f, row[f])
        if any(f in loan_changes for f in BALANCE_FIELDS):
            loan.balances_as_of = utcnow()
        session.flush()
        payload = {"change": "loan_updated", "source": source, "loan": loan_changes,
                   "borrower": borrower_changes}
        outcome = "updated"
    audit.append(session, actor="import", kind="record_change", loan_id=loan.loan_id,
                 borrower_id=borrower.borrower_id, payload=payload)
    return outcome


def _snapshot(session_factory: sessionmaker) -> dict[str, tuple]:
    """loan_key -> the row as stored, read in one go to skip unchanged rows."""
    with transaction(session_factory) as session:
        pairs = session.execute(select(Loan, Borrower).join(Borrower, Loan.borrower)).all()
        return {
            loan.loan_key: _as_row(loan, borrower)
            for loan, borrower in pairs
        }


def _as_row(loan: Loan, borrower: Borrower) -> tuple:
    return (loan.loan_id, borrower.borrower_id, loan.currency,
            *(getattr(loan, f) for f in LOAN_FIELDS),
            *(getattr(borrower, f) for f in BORROWER_FIELDS))


def _row_tuple(row: dict) -> tuple:
    return (row["loan_id"], row["borrower_id"], row["currency"],
            *(row[f] for f in LOAN_FIELDS), *(row[f] for f in BORROWER_FIELDS))


def _write_chunk(session_factory: sessionmaker, chunk, report: ImportReport, source: str) -> None:
    """One transaction for the chunk, one savepoint per row: a bad row rolls
    back alone, and a chunk costs one commit instead of one per row."""
    outcomes, errors = [], []
    with transaction(session_factory) as session:
        for line, row in chunk:
            try:
                with session.begin_nested():
                    outcomes.append(_write_row(session, row, source))
            except RowError as exc:
                errors.append((line, str(exc)))
            except SQLAlchemyError as exc:
                detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
                errors.append((line, f"database refused the row: {detail}"))
    for outcome in outcomes:
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.errors.extend(errors)


def import_rows(
    session_factory: sessionmaker, rows, report: ImportReport, source: str, chunk_size: int = 200,
) -> None:
    stored = _snapshot(session_factory)
    todo = []
    for line, row in rows:
        # Unchanged rows need no transaction at all (the daily re-import case).
        if stored.get(loan_key(row["loan_id"])) == _row_tuple(row):
            report.unchanged += 1
        else:
            todo.append((line, row))
    for start in range(0, len(todo), chunk_size):
        chunk = todo[start:start + chunk_size]
        try:
            _write_chunk(session_factory, chunk, report, source)
        except SQLAlchemyError:
            # The chunk's commit failed as a whole: retry row by row so the
            # good rows still land and the bad one is named.
            for item in chunk:
                try:
                    _write_chunk(session_factory, [item], report, source)
                except SQLAlchemyError as exc:
                    report.errors.append((item[0], f"database error: {str(exc).splitlines()[0][:200]}"))


def import_portfolio(
    session_factory: sessionmaker, path: str | Path, *,
    known_products: set[str] | None, known_jurisdictions: set[str] | None,
    phone_regions: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import a lender's CSV; see the module docstring for the guarantees.

    `phone_regions` ({jurisdiction: region}, from compliance.yml through the
    CLI) lets a row give its phone in its jurisdiction's national format;
    without it only E.164 is accepted."""
    report = ImportReport()
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        report.errors.append((0, f"cannot read {path}: {exc.strerror or exc}"))
        return report
    try:
        text = raw.decode("utf-8-sig")  # tolerate a byte-order mark (Excel)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        report.errors.append((line, f"file is not UTF-8 (byte {exc.start}); export it as UTF-8"))
        return report
    rows = read_rows(text, report.errors, known_products, known_jurisdictions, phone_regions)
    import_rows(session_factory, rows, report, source=path.name)
    report.errors.sort()
    return report
