"""The one place that words offers for the borrower: notes, summaries, schedules, buttons, money, dates.

The negotiation core gives codes with typed parameters (bot/negotiation/notes.py);
every word and every way of writing money or a date comes from the `parts:`
section of the catalogue of the borrower's language (config/messages.yml, or
config/messages.<lang>.yml), formatted with Babel. Adding a language is adding
a file, not code.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Iterable

from babel.dates import format_date
from babel.numbers import format_percent, parse_pattern

from bot.config.messages import ENGLISH
from bot.dialogue.messages import load
from bot.negotiation.money import minor_units, quantize
from bot.negotiation.notes import PARAMS, Note
from bot.negotiation.terms import Offer

# button set -> (title key in parts.buttons, payload); payloads are intents, not words
BUTTON_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "options": (("pay_in_full", "/pay_in_full"), ("pay_on_a_date", "/promise_to_pay"),
                ("more_time", "/request_deferral"), ("instalments", "/request_instalments")),
    "yes_no": (("yes_set_it_up", "/affirm"), ("no", "/deny")),
    "confirm": (("yes_thats_right", "/affirm"), ("no_thats_not_it", "/deny")),
}


def parts(language: str = ENGLISH) -> dict[str, Any]:
    return load(None, language)["parts"]


def money(amount: Decimal | int | str, currency: str, language: str = ENGLISH) -> str:
    """'KES 1,166.67', 'JPY 12,000', '-USD 5.00': rounded half up to the currency's minor unit."""
    code = currency.strip().upper()
    digits = minor_units(code)
    pattern = parse_pattern(parts(language)["money"])  # a fresh pattern each time: it is changed below
    pattern.frac_prec = (digits, digits)
    return pattern.apply(quantize(amount, code), parts(language)["locale"], currency=code, currency_digits=False)


def day(d: date, language: str = ENGLISH, style: str = "date") -> str:
    """A date in one of the catalogue's styles: date, long_date, statement_date, arrangement_date."""
    p = parts(language)
    return format_date(d, p[style], locale=p["locale"])


def listing(items: Iterable[Any], language: str = ENGLISH) -> str:
    """'7, 14 or 30' (Babel's English list says '7, 14, or 30', so the joiners are the catalogue's)."""
    words, joiners = [str(i) for i in items], parts(language)["list"]
    return words[0] if len(words) == 1 else joiners["between"].join(words[:-1]) + joiners["last"] + words[-1]


def _value(kind: str, value: Any, currency: str, language: str) -> str:
    if kind == "money":
        return money(value, currency, language)
    if kind == "date":
        return day(value, language)
    if kind == "percent":
        p = parts(language)
        return format_percent(value / 100, p["percent"], locale=p["locale"])
    if kind == "days":
        return listing(value, language)
    return str(value)


def note(one: Note, currency: str, language: str = ENGLISH) -> str:
    kinds = PARAMS[one.code]
    fills = {name: _value(kinds[name], value, currency, language) for name, value in one.params}
    return parts(language)["notes"][one.code.value].format(**fills)


def note_text(notes: Iterable[Note], currency: str, language: str = ENGLISH) -> str:
    """Why an offer differs from the request, e.g. 'the most instalments I can offer is 3; ...'."""
    return parts(language)["note_joiner"].join(note(n, currency, language) for n in notes)


def summary(offer: Offer, currency: str, language: str = ENGLISH) -> str:
    """One sentence naming the arrangement, for the offer and the confirmation."""
    p, first = parts(language), offer.schedule[0]
    waived = p["waived"].format(waiver=money(offer.waiver, currency, language)) if offer.waiver else ""
    kind = offer.kind.value
    return p["summaries"][kind].format(
        count=len(offer.schedule), total=money(offer.total, currency, language), waived=waived,
        amount=money(first.amount, currency, language), due=day(first.due, language, "long_date"),
    )


def schedule_lines(offer: Offer, currency: str, language: str = ENGLISH) -> list[str]:
    """'1. Fri 4 Dec 2026: KES 1,166.67' per instalment."""
    line = parts(language)["schedule_line"]
    return [line.format(n=n, due=day(i.due, language), amount=money(i.amount, currency, language))
            for n, i in enumerate(offer.schedule, 1)]


def schedule_text(offer: Offer, currency: str, language: str = ENGLISH) -> str:
    return parts(language)["schedule_joiner"].join(schedule_lines(offer, currency, language))


def plans_text(plans: Iterable[tuple[str, Offer, str]], adjusted: bool = False, language: str = ENGLISH) -> str:
    """Each loan's arrangement under its reference, saying why where it differs from the request."""
    p = parts(language)
    blocks = []
    for loan_id, each, currency in plans:
        why = p["loan_why"].format(reasons=note_text(each.notes, currency, language)) \
            if adjusted and each.adjusted and each.notes else ""
        blocks.append(p["loan_block"].format(loan_id=loan_id, why=why, summary=summary(each, currency, language),
                                             schedule=schedule_text(each, currency, language)))
    return p["loan_joiner"].join(blocks)


def arrangement_text(kind: str, schedule: Iterable[dict], currency: str,
                     language: str = ENGLISH) -> dict[str, str]:
    """An active arrangement as the records keep it: its kind's name and '2026-12-07: KES 6,930.00; ...'."""
    p = parts(language)
    lines = [p["arrangement_line"].format(due=day(date.fromisoformat(str(s["due_date"])[:10]), language,
                                                  "arrangement_date"),
                                          amount=money(s["amount"], currency, language)) for s in schedule]
    return {"kind": p["arrangement_kinds"].get(kind, kind.replace("_", " ")),
            "schedule": p["arrangement_joiner"].join(lines)}


def buttons(name: str, language: str = ENGLISH) -> list[dict[str, str]]:
    """Rasa buttons [{"title", "payload"}] of a set in BUTTON_SETS, titled in `language`."""
    titles = parts(language)["buttons"]
    return [{"title": titles[key], "payload": payload} for key, payload in BUTTON_SETS[name]]


def limits_text(limits: dict, language: str = ENGLISH) -> str:
    """"only SMS from now on, no more phone calls": the contact limits the borrower asked for, in their language."""
    words = parts(language).get("contact_limits") or parts(ENGLISH)["contact_limits"]
    named = lambda channels: listing([words[c] for c in channels], language)  # noqa: E731
    kept, ruled_out = list(limits.get("only") or ()), list(limits.get("no") or ())
    if kept and ruled_out:
        return words["only_no"].format(kept=named(kept), channels=named(ruled_out))
    return words["only"].format(channels=named(kept)) if kept else words["no"].format(channels=named(ruled_out))
