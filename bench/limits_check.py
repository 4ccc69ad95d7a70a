"""The product limits re-stated from docs/negotiation.md and config/products.yml, for the simulator.

The bot checks its own offers with bot.negotiation (checks.validate). A bench
that measured the bot with that same code would only ask the code whether it
agrees with itself. So this module reads products.yml on its own (plain
yaml.safe_load) and writes every rule out again as plain arithmetic on
Decimals, from the doc rather than from the code. It must never import
bot.negotiation (tests/unit/bench/test_limits_check.py holds it to that).

An offer here is plain data, the shape the bot's `pending_offer` slot and the
records carry: a kind, a schedule of (date, amount), a waiver and whether it
was built under the hardship limits. `violations(...)` returns every rule the
offer breaks, each message starting with the rule's name; [] means allowed.

Where docs/negotiation.md can be read two ways the stricter reading is used,
and the comment at the rule says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from calendar import monthrange
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import yaml

PRODUCTS = Path(__file__).resolve().parents[1] / "config" / "products.yml"

# ISO 4217 minor units (decimal places); codes not listed have 2 (the doc: "unknown codes 2").
# IDR officially has 2 even though cents are not used in practice.
MINOR_UNITS = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}
SINGLE = ("pay_in_full", "promise_to_pay", "deferral")
PLANS = ("instalment_plan", "hardship_plan")
KINDS = (*SINGLE, "part_payment", *PLANS)


@dataclass(frozen=True)
class Offer:
    """An offer as plain data: what the borrower was shown, or what the records keep."""

    kind: str
    schedule: tuple[tuple[date, Decimal], ...]
    waiver: Decimal = Decimal(0)
    hardship: bool = False


def offer_from_slot(data: dict[str, Any]) -> Offer:
    """The offer one `pending_offer` slot value (or one loan's entry in its `all` list) carries."""
    schedule = tuple((date.fromisoformat(d), Decimal(str(a))) for d, a in data.get("schedule") or ())
    return Offer(str(data.get("kind")), schedule, Decimal(str(data.get("waiver") or "0")),
                 bool(data.get("hardship")))


def load_limits(path: Path | str = PRODUCTS) -> dict[str, dict[str, dict[str, Any]]]:
    """{product_code: {"standard": {...}, "hardship": {...}}} straight from the YAML."""
    with Path(path).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return {code: {"standard": entry["standard"], "hardship": entry["hardship"]}
            for code, entry in data["products"].items()}


def unit(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.strip().upper(), 2))


def _whole(amount: Decimal, currency: str) -> bool:
    """True when `amount` is a whole number of the currency's minor units."""
    return (amount / unit(currency)) % 1 == 0


def _up(amount: Decimal, currency: str) -> Decimal:
    """Round up to the minor unit: a floor the borrower must reach is never lowered by rounding."""
    step = unit(currency)
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


def _pct(limits: dict[str, Any], key: str) -> Decimal:
    return Decimal(str(limits[key]))


def absolute_floor(limits: dict[str, Any], currency: str) -> Decimal:
    """min_instalment_amount: a table per ISO code with `default`; a plain number means {default: n}."""
    table = limits["min_instalment_amount"]
    if not isinstance(table, dict):
        table = {"default": table}
    value = table.get(currency.strip().upper(), table["default"])
    return _up(Decimal(str(value)), currency)


def min_instalment(limits: dict[str, Any], payable: Decimal, currency: str) -> Decimal:
    """The larger of the absolute floor and the percent of the amount to pay (rounded up),
    never more than the amount to pay itself."""
    percent = _up(payable * _pct(limits, "min_instalment_percent") / 100, currency)
    return min(max(absolute_floor(limits, currency), percent), payable)


def down_payment(limits: dict[str, Any], payable: Decimal, currency: str) -> Decimal:
    """min_down_payment_percent of the amount to pay, rounded up, never more than it."""
    return min(_up(payable * _pct(limits, "min_down_payment_percent") / 100, currency), payable)


def violations(offer: Offer, *, balance: Decimal, fees_and_interest: Decimal, currency: str,
               limits: dict[str, Any], today: date, arrangements_so_far: int) -> list[str]:
    """Every rule `offer` breaks under `limits` (the block that applies: hardship or standard)."""
    problems: list[str] = []
    kind, sched, waiver = offer.kind, offer.schedule, offer.waiver
    if kind not in KINDS:
        return [f"kind: {kind!r} is not an offer kind"]
    if not sched:
        return ["count: no payments at all"]
    dues = [d for d, _ in sched]
    amounts = [a for _, a in sched]
    window = today + timedelta(days=int(limits["promise_window_days"]))

    # Paying in full is not an arrangement, so only it may go past max_arrangements.
    if kind != "pay_in_full" and arrangements_so_far >= int(limits["max_arrangements"]):
        problems.append(f"max_arrangements: the loan already had {arrangements_so_far} "
                        f"of {limits['max_arrangements']}")
    if kind == "hardship_plan" and not offer.hardship:
        problems.append("hardship: a hardship_plan without a documented hardship")
    # The doc: "Instalment plans are hardship_plan when hardship is true." Read strictly, a plan
    # built under the hardship limits but called instalment_plan is mislabelled.
    if kind == "instalment_plan" and offer.hardship:
        problems.append("hardship: a plan under the hardship limits must be a hardship_plan")

    # The waiver: whole minor units, not negative, at most max_waiver_percent of fees + interest.
    if waiver < 0 or not _whole(waiver, currency):
        problems.append(f"waiver: {waiver} is not a non-negative {currency} amount")
    elif waiver * 100 > fees_and_interest * _pct(limits, "max_waiver_percent"):
        problems.append(f"max_waiver_percent: waiver {waiver} is more than {limits['max_waiver_percent']}% "
                        f"of fees and interest {fees_and_interest}")
    payable = balance - waiver

    for n, amount in enumerate(amounts, 1):
        if amount <= 0 or not _whole(amount, currency):
            problems.append(f"amount: payment {n} ({amount}) is not a positive {currency} amount")
    if sum(amounts, Decimal(0)) != payable:
        problems.append(f"sum: the payments total {sum(amounts, Decimal(0))}, balance - waiver is {payable}")
    for n, due in enumerate(dues, 1):
        if due < today:
            problems.append(f"past_date: payment {n} is due {due}, before the borrower's today {today}")
    if any(b <= a for a, b in zip(dues, dues[1:])):
        problems.append("dates: due dates must be strictly increasing")

    if kind in SINGLE:
        if len(sched) != 1:
            problems.append(f"count: a {kind} is one payment, not {len(sched)}")
        due = dues[-1]
        if kind == "deferral":
            # The doc clamps a deferral to [today + 1, today + max_deferral_days]; one due today is
            # not a deferral (and a product with max_deferral_days 0 has none).
            if due <= today:
                problems.append(f"max_deferral_days: a deferral due {due} is not after today {today}")
            if due > today + timedelta(days=int(limits["max_deferral_days"])):
                problems.append(f"max_deferral_days: due {due} is more than {limits['max_deferral_days']} "
                                f"days after {today}")
        elif due > window:
            # Ambiguous for pay_in_full: the doc names no date rule for it. Paying everything later than
            # today is a promise to pay, so it is held to the promise window (the stricter of the readings
            # that do not forbid a date the borrower picks).
            problems.append(f"promise_window_days: {kind} due {due} is more than "
                            f"{limits['promise_window_days']} days after {today}")

    if kind == "part_payment":
        if len(sched) != 2:
            problems.append(f"count: a part payment is the part now and the rest, not {len(sched)} payments")
        # The doc: "the part today". Read strictly, the part is due on the day it is offered.
        if dues[0] != today:
            problems.append(f"part_today: the part is due {dues[0]}, not today {today}")
        if dues[-1] > window:
            problems.append(f"promise_window_days: the rest is due {dues[-1]}, more than "
                            f"{limits['promise_window_days']} days after {today}")

    if kind in PLANS:
        if not 2 <= len(sched) <= int(limits["max_instalments"]):
            problems.append(f"max_instalments: {len(sched)} instalments, allowed 2 to {limits['max_instalments']}")
        if dues[0] > window:
            problems.append(f"promise_window_days: the first instalment is due {dues[0]}, more than "
                            f"{limits['promise_window_days']} days after {today}")
        if dues[-1] > today + timedelta(days=int(limits["max_plan_days"])):
            problems.append(f"max_plan_days: the last instalment is due {dues[-1]}, more than "
                            f"{limits['max_plan_days']} days after {today}")
        gaps = sorted({(b - a).days for a, b in zip(dues, dues[1:])})
        allowed = [int(f) for f in limits["frequencies_days"]]
        if len(dues) > 1 and all(d.day == min(dues[0].day, monthrange(d.year, d.month)[1])
               and (d.year * 12 + d.month) - (dues[0].year * 12 + dues[0].month) == i for i, d in enumerate(dues)) \
                and not (len(gaps) == 1 and gaps[0] in allowed):
            gaps = [30]  # one day of each month (15 Dec, 15 Jan) is the limits' monthly interval
        if len(gaps) > 1 or not set(gaps) <= set(allowed):
            problems.append(f"frequencies_days: intervals {gaps} are not one of {allowed}")

    if kind in PLANS or kind == "part_payment":
        down = down_payment(limits, payable, currency)
        if amounts[0] < down:
            problems.append(f"min_down_payment_percent: the first payment {amounts[0]} is below {down}")
        floor = min_instalment(limits, payable, currency)
        # Every instalment of a plan meets the minimum, the last included; a part payment's second
        # payment (the rest) has none.
        floored = amounts if kind in PLANS else amounts[:1]
        for n, amount in enumerate(floored, 1):
            if amount < floor:
                problems.append(f"min_instalment: payment {n} is {amount}, below {floor}")
    return problems
