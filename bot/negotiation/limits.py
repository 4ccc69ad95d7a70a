"""Negotiation limits per product code, read from config/products.yml.

The limits are the lender's promise to its regulator and its own books: the bot
may never offer or accept anything outside them. So the file is validated
strictly at start-up (unknown keys, negative numbers and hardship limits that
are narrower than the standard ones are errors with the exact location), and
the loaded values are frozen.

Minimum instalment: loans come in many currencies, so the absolute floor is a
per-currency table with a `default` (`{default: 5, KES: 200, NGN: 2000}`),
combined with a percentage of the amount to pay. The effective floor is the
larger of the two, capped at the amount to pay (see `Limits.min_instalment`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import yaml

from .ladder import parse_ladder
from .money import minor_units, quantize, quantize_up

DEFAULT_PATH = "config/products.yml"


class ProductConfigError(ValueError):
    """products.yml is missing something or holds a value the bot must not apply."""


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


# --- loading and validation -------------------------------------------------

_INT_FIELDS = {  # name -> smallest allowed value
    "max_deferral_days": 0,
    "max_instalments": 1,
    "max_plan_days": 0,
    "max_arrangements": 0,
    "promise_window_days": 1,
}
_PERCENT_FIELDS = ("min_instalment_percent", "min_down_payment_percent", "max_waiver_percent")
_FIELDS = set(_INT_FIELDS) | set(_PERCENT_FIELDS) | {"min_instalment_amount", "frequencies_days"}
# Fields where hardship must be >= standard, and where it must be <= standard.
_WIDER_IS_MORE = ("max_deferral_days", "max_instalments", "max_plan_days", "max_arrangements",
                  "promise_window_days", "max_waiver_percent")
_WIDER_IS_LESS = ("min_instalment_percent", "min_down_payment_percent")


def _number(value: Any, where: str) -> Decimal:
    # YAML gives int, float or str; a float is converted through its text, which
    # is exactly what the operator typed (2.5 -> Decimal('2.5')).
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ProductConfigError(f"{where}: expected a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except Exception as exc:
        raise ProductConfigError(f"{where}: expected a number, got {value!r}") from exc
    if not number.is_finite() or number < 0:
        raise ProductConfigError(f"{where}: must be a non-negative number, got {value!r}")
    return number


def _int(value: Any, where: str, smallest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProductConfigError(f"{where}: expected a whole number, got {value!r}")
    if value < smallest:
        raise ProductConfigError(f"{where}: must be at least {smallest}, got {value}")
    return value


def _floors(value: Any, where: str) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(value, Mapping):
        return (("default", _number(value, where)),)
    if "default" not in value:
        raise ProductConfigError(f"{where}: needs a 'default' entry for currencies not listed")
    floors = {}
    for key, amount in value.items():
        code = str(key)
        if code != "default" and not (len(code) == 3 and code.isalpha() and code.isupper()):
            raise ProductConfigError(f"{where}: {code!r} is not an ISO 4217 currency code")
        number = _number(amount, f"{where}.{code}")
        if code != "default" and number != quantize(number, code):
            raise ProductConfigError(
                f"{where}.{code}: {number} has more than {minor_units(code)} decimals")
        floors[code] = number
    return tuple(sorted(floors.items()))


def _limits(raw: Any, where: str) -> Limits:
    if not isinstance(raw, Mapping):
        raise ProductConfigError(f"{where}: expected a mapping of limits")
    unknown = sorted(set(map(str, raw)) - _FIELDS)
    if unknown:
        raise ProductConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    missing = sorted(_FIELDS - set(raw))
    if missing:
        raise ProductConfigError(f"{where}: missing key(s) {', '.join(missing)}")
    values: dict[str, Any] = {
        name: _int(raw[name], f"{where}.{name}", smallest) for name, smallest in _INT_FIELDS.items()
    }
    for name in _PERCENT_FIELDS:
        pct = _number(raw[name], f"{where}.{name}")
        if pct > 100:
            raise ProductConfigError(f"{where}.{name}: a percent must be at most 100, got {pct}")
        values[name] = pct
    freqs = raw["frequencies_days"]
    if not isinstance(freqs, list) or not freqs:
        raise ProductConfigError(f"{where}.frequencies_days: expected a non-empty list of days")
    days = [_int(f, f"{where}.frequencies_days", 1) for f in freqs]
    if len(set(days)) != len(days):
        raise ProductConfigError(f"{where}.frequencies_days: repeated value in {days}")
    values["frequencies_days"] = tuple(sorted(days))
    values["min_instalment_amounts"] = _floors(raw["min_instalment_amount"],
                                               f"{where}.min_instalment_amount")
    return Limits(**values)


def _check_wider(standard: Limits, hardship: Limits, where: str) -> None:
    for name in _WIDER_IS_MORE:
        if getattr(hardship, name) < getattr(standard, name):
            raise ProductConfigError(
                f"{where}.hardship.{name}: {getattr(hardship, name)} is narrower than "
                f"standard {getattr(standard, name)}")
    for name in _WIDER_IS_LESS:
        if getattr(hardship, name) > getattr(standard, name):
            raise ProductConfigError(
                f"{where}.hardship.{name}: {getattr(hardship, name)} is stricter than "
                f"standard {getattr(standard, name)}")
    codes = {c for c, _ in standard.min_instalment_amounts + hardship.min_instalment_amounts}
    for code in sorted(codes):
        lookup = "XXX" if code == "default" else code  # XXX: ISO "no currency" -> default
        if hardship.min_instalment_amount(lookup) > standard.min_instalment_amount(lookup):
            raise ProductConfigError(
                f"{where}.hardship.min_instalment_amount.{code}: stricter than standard")
    if not set(standard.frequencies_days) <= set(hardship.frequencies_days):
        raise ProductConfigError(
            f"{where}.hardship.frequencies_days: must include every standard frequency "
            f"{list(standard.frequencies_days)}")


def parse_products(data: Any) -> dict[str, Product]:
    """Validate an already-parsed products.yml document (see load_products)."""
    if not isinstance(data, Mapping):
        raise ProductConfigError("products.yml: expected a mapping with version and products")
    unknown = sorted(set(map(str, data)) - {"version", "products", "ladder", "floors"})
    if unknown:
        raise ProductConfigError(f"products.yml: unknown top-level key(s) {', '.join(unknown)}")
    try:
        parse_ladder(data.get("ladder"))
    except ValueError as exc:
        raise ProductConfigError(str(exc)) from None
    version = data.get("version")
    if version is None or str(version).strip() == "":
        raise ProductConfigError("version: missing; every change to the limits needs a new version")
    products = data.get("products")
    if not isinstance(products, Mapping) or not products:
        raise ProductConfigError("products: expected a non-empty mapping of product_code -> limits")
    loaded: dict[str, Product] = {}
    for code, raw in products.items():
        where = f"products.{code}"
        if not isinstance(raw, Mapping):
            raise ProductConfigError(f"{where}: expected description, standard and hardship")
        unknown = sorted(set(map(str, raw)) - {"description", "standard", "hardship"})
        if unknown:
            raise ProductConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        for key in ("description", "standard", "hardship"):
            if key not in raw:
                raise ProductConfigError(f"{where}: missing key {key}")
        if not isinstance(raw["description"], str) or not raw["description"].strip():
            raise ProductConfigError(f"{where}.description: expected a non-empty text")
        standard = _limits(raw["standard"], f"{where}.standard")
        hardship = _limits(raw["hardship"], f"{where}.hardship")
        _check_wider(standard, hardship, where)
        loaded[str(code)] = Product(str(code), raw["description"].strip(), standard, hardship,
                                    str(version))
    return loaded


def load_products(path: str | Path = DEFAULT_PATH) -> dict[str, Product]:
    """Read and validate products.yml; raises ProductConfigError naming the bad key."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ProductConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProductConfigError(f"{path}: not valid YAML: {exc}") from exc
    try:
        return parse_products(data)
    except ProductConfigError as exc:
        raise ProductConfigError(f"{path}: {exc}") from None


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
