"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no decimal type (it would round money through float) and drops
time zones; these types hide both so the rest of the code can rely on exact
Decimals and aware UTC datetimes everywhere.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String

from bot import clock
from sqlalchemy.types import TypeDecorator

MONEY_SCALE = 4
_CENT = Decimal("0.01")


def tidy_money(value: Decimal) -> Decimal:
    """Show at least two decimals, more only when they carry information.

    PostgreSQL returns Numeric(20, 4) as '12.5000'; SQLite returns what was
    stored. Tidying makes both backends give the same string.
    """
    cents = value.quantize(_CENT)
    if cents == value:
        return cents
    return value.normalize() if value.as_tuple().exponent < -2 else value


class Money(TypeDecorator):
    """Exact decimal: NUMERIC(20,4) on PostgreSQL, decimal text on SQLite."""

    impl = Numeric(20, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"money must be Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise ValueError("money must be finite")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return tidy_money(Decimal(str(value)))


class UTCDateTime(TypeDecorator):
    """Aware UTC datetime in, aware UTC datetime out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a time zone (UTC)")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, from the one clock (bot/clock.py): BOT_NOW in tests and simulations, else the real time."""
    return clock.now()
