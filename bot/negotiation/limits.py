"""Negotiation limits per product code, read from config/products.yml.

The limits are the lender's promise to its regulator and its own books: the bot
may never offer or accept anything outside them. So the file is validated
strictly at start-up by bot/config/products.py (unknown keys, negative numbers
and hardship limits that are narrower than the standard ones are errors with
the exact location), and the loaded values are frozen.

Minimum instalment: loans come in many currencies, so the absolute floor is a
per-currency table with a `default` (`{default: 5, KES: 200, NGN: 2000}`),
combined with a percentage of the amount to pay. The effective floor is the
larger of the two, capped at the amount to pay (see `Limits.min_instalment`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.config.errors import ConfigError

from .money import quantize_up

DEFAULT_PATH = "config/products.yml"
# products.yml is missing something or holds a value the bot must not apply.
ProductConfigError = ConfigError


@dataclass(frozen=True)
class Limits:
    """One set of limits (standard or hardship). Percents are 0-100, e.g. Decimal('10')."""

    max_deferral_days: int  # a deferral moves the whole payment at most this many days from today
    max_instalments: int  # most instalments in a plan (1 = no plans)
    max_plan_days: int  # the last instalment at most this many days from today
    min_instalment_amounts: tuple[tuple[str, Decimal], ...]  # ("default", x) plus per currency
    min_instalment_percent: Decimal  # every instalment >= this % of the amount to pay
    min_down_payment_percent: Decimal  # part payment now / first instalment >= this %
    max_waiver_percent: Decimal  # of fees + interest
    max_arrangements: int  # arrangements one loan may get from the bot
    promise_window_days: int  # a promise to pay (and a plan's first instalment) within this
    frequencies_days: tuple[int, ...]  # allowed instalment intervals, ascending

    def min_instalment_amount(self, currency: str) -> Decimal:
        """Absolute floor for `currency`: its own entry, else the `default` one."""
        table = dict(self.min_instalment_amounts)
        value = table.get(currency.strip().upper(), table["default"])
        return quantize_up(value, currency)

    def min_instalment(self, payable: Decimal, currency: str) -> Decimal:
        """The smallest instalment allowed when `payable` is the amount to pay.

        Larger of the absolute floor and the percent floor, rounded up to the
        minor unit, never above `payable` itself (a tiny balance can still be paid).
        """
        pct = quantize_up(payable * self.min_instalment_percent / 100, currency)
        return min(max(self.min_instalment_amount(currency), pct), payable)

    def min_down_payment(self, payable: Decimal, currency: str) -> Decimal:
        """The smallest first payment of a part payment or plan (rounded up)."""
        return min(quantize_up(payable * self.min_down_payment_percent / 100, currency), payable)


@dataclass(frozen=True)
class Product:
    code: str
    description: str
    standard: Limits
    hardship: Limits  # applies only to borrowers in documented hardship; never narrower
    version: str = ""  # the products.yml version these limits came from (for the audit trail)


def limits_for(product: Product, hardship: bool) -> Limits:
    """The limits that apply: hardship ones only when the hardship is documented."""
    return product.hardship if hardship else product.standard


# --- loading ------------------------------------------------------------------
# The file is read and validated by bot.config.products (pydantic, every error
# naming its key); these two stay as the names the rest of the code calls.


def parse_products(data: Any) -> dict[str, Product]:
    """Validate an already-parsed products.yml document (see load_products)."""
    from bot.config.products import parse_products as parse  # bot.config builds our Limits

    return parse(data).by_code()


def load_products(path: str | Path | None = None) -> dict[str, Product]:
    """config/products.yml (or PRODUCTS_YML, or `path`, relative to the repository);
    raises ProductConfigError naming the file and the bad key."""
    from bot.config.products import load_products_file

    return load_products_file(path).by_code()


def _limits_dict(limits: Limits) -> dict[str, Any]:
    return {
        "max_deferral_days": limits.max_deferral_days,
        "max_instalments": limits.max_instalments,
        "max_plan_days": limits.max_plan_days,
        "min_instalment_amount": {code: str(v) for code, v in limits.min_instalment_amounts},
        "min_instalment_percent": str(limits.min_instalment_percent),
        "min_down_payment_percent": str(limits.min_down_payment_percent),
        "max_waiver_percent": str(limits.max_waiver_percent),
        "max_arrangements": limits.max_arrangements,
        "promise_window_days": limits.promise_window_days,
        "frequencies_days": list(limits.frequencies_days),
    }


def as_dict(product: Product) -> dict[str, Any]:
    """JSON-safe view for GET /api/products (decimals as strings, never floats)."""
    return {
        "code": product.code,
        "description": product.description,
        "version": product.version,
        "standard": _limits_dict(product.standard),
        "hardship": _limits_dict(product.hardship),
    }
