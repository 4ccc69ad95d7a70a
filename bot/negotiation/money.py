"""Money in a loan's currency: decimal, rounded to the currency's minor unit.

Every amount the bot says or records must be payable exactly (no KES 0.001),
so all arithmetic ends in `quantize`. Floats are refused outright: one float
in a schedule is enough to break "the instalments sum to the balance".
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

# ISO 4217 minor-unit exponents. IDR officially has 2 even though cents are
# not used in practice; we follow the standard so amounts round-trip with
# payment providers that also follow it.
EXPONENTS: dict[str, int] = {
    "KES": 2, "NGN": 2, "INR": 2, "PHP": 2, "USD": 2, "GBP": 2, "IDR": 2,
    "CNY": 2, "EUR": 2, "GHS": 2, "UGX": 0, "TZS": 2, "ZAR": 2, "JPY": 0,
    "KRW": 0, "VND": 0, "RWF": 0, "XOF": 0, "XAF": 0, "BHD": 3, "KWD": 3,
}
DEFAULT_EXPONENT = 2


def minor_units(currency: str) -> int:
    """Decimal places of `currency` (ISO 4217); 2 for codes we do not know."""
    return EXPONENTS.get(currency.strip().upper(), DEFAULT_EXPONENT)


def unit(currency: str) -> Decimal:
    """The smallest payable amount of `currency`, e.g. Decimal('0.01')."""
    return Decimal(1).scaleb(-minor_units(currency))


def to_decimal(amount: Decimal | int | str) -> Decimal:
    """Accept Decimal, int or a decimal string; refuse float and junk clearly."""
    if isinstance(amount, bool) or isinstance(amount, float):
        raise TypeError(f"money must be Decimal, int or str, not {type(amount).__name__}: {amount!r}")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, (int, str)):
        try:
            value = Decimal(amount)
        except Exception as exc:  # decimal.InvalidOperation and friends
            raise ValueError(f"not a decimal amount: {amount!r}") from exc
    else:
        raise TypeError(f"money must be Decimal, int or str, not {type(amount).__name__}: {amount!r}")
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    return value


def quantize(amount: Decimal | int | str, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round to the currency's minor unit (half up by default, as people expect)."""
    return to_decimal(amount).quantize(unit(currency), rounding=rounding)


def quantize_up(amount: Decimal, currency: str) -> Decimal:
    """Round up: for floors the borrower must reach (never let rounding lower a limit)."""
    return quantize(amount, currency, ROUND_UP)


def quantize_down(amount: Decimal, currency: str) -> Decimal:
    """Round down: for ceilings such as a waiver (never let rounding exceed a limit)."""
    return quantize(amount, currency, ROUND_DOWN)


def fmt(amount: Decimal | int | str, currency: str) -> str:
    """Plain text for errors, logs and the agent console, e.g. 'KES 3,500.00', '-USD 5.00'.

    Borrower text goes through bot/dialogue/wording.money (Babel, the catalogue's locale), which
    writes English the same way (tests/unit/dialogue/test_wording.py holds the two equal).
    """
    code = currency.strip().upper()
    value = quantize(amount, code)
    sign = "-" if value < 0 else ""
    return f"{sign}{code} {abs(value):,.{minor_units(code)}f}"
