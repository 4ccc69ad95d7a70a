"""Shared fixtures for tests/test_records_*.py.

`records_db` gives each test module a freshly migrated database, once on
SQLite and, when TEST_POSTGRES_URL is set, once more on PostgreSQL (its
public schema is dropped and recreated first). Import the fixture names into
a test module to use them.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from bot.records.db import make_engine, make_session_factory, migrate, transaction
from bot.records.models import Borrower, Loan
from bot.records.queries import loan_key

TODAY = date(2026, 11, 30)  # fixed: the demo portfolio's due dates are relative to it
PRODUCTS = {"WALLET-30", "WALLET-90", "SME-180"}
JURISDICTIONS = {"US", "US-MA", "UK", "CN", "IN", "PH", "ID", "KE", "NG", "DEFAULT"}


def _backends() -> list:
    params = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get("TEST_POSTGRES_URL"):
        params.append(pytest.param("postgresql", id="postgresql"))
    return params


@dataclass
class RecordsDB:
    url: str
    engine: object
    factory: sessionmaker

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self):
        return transaction(self.factory)


def _fresh_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@contextmanager
def fresh_records_db(backend: str, folder) -> Iterator[RecordsDB]:
    """A migrated, empty records database: SQLite in `folder`, or TEST_POSTGRES_URL wiped."""
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'test.db'}"
    else:
        url = os.environ["TEST_POSTGRES_URL"]
        _fresh_postgres(url)
    migrate(url)
    engine = make_engine(url)
    try:
        yield RecordsDB(url=url, engine=engine, factory=make_session_factory(engine))
    finally:
        engine.dispose()


@pytest.fixture(scope="module", params=_backends())
def records_db(request, tmp_path_factory):
    with fresh_records_db(request.param, tmp_path_factory.mktemp("records")) as db:
        yield db


def add_loan(db: RecordsDB, loan_id: str, borrower_id: str | None = None, **overrides) -> None:
    """Insert a borrower (if new) and a loan directly, for tests that need one."""
    borrower_id = borrower_id or f"B-{loan_id}"
    values = dict(
        currency="KES", principal=Decimal("10000.00"), outstanding_principal=Decimal("8000.00"),
        accrued_interest=Decimal("400.00"), late_fees=Decimal("100.00"),
        due_date=date(2026, 11, 10), product_code="WALLET-30", status="overdue",
    )
    values.update(overrides)
    with db.session() as s:
        borrower = s.query(Borrower).filter_by(borrower_id=borrower_id).one_or_none()
        if borrower is None:
            borrower = Borrower(
                borrower_id=borrower_id, full_name="Test Borrower", phone="+254700000000",
                date_of_birth=date(1990, 1, 2), timezone="Africa/Nairobi", jurisdiction="KE",
                language="en", cease_contact=False, opted_out_channels=[],
            )
            s.add(borrower)
        s.add(Loan(loan_id=loan_id, loan_key=loan_key(loan_id), borrower=borrower, **values))
