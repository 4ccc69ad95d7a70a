"""The signals behind the moves that change the record, and the questions mistaken for them.

Why: a move that writes to the record (stop contact, dispute, wrong person,
already paid, complaint) must never be a guess (issue 13: "I get paid on the
15th" recorded as already paid, "why is it 5,600 when I borrowed 5,000?" as a
dispute, "who is this?" as a wrong number). The intent says what the message
is most like; `evidence` says which of those claims the words actually make,
so the dialogue acts only on both. The same reader gives the questions that
need their own answer (`who_is_this`, `amount_question`), a cut in income
(`hardship_likely`), a report of contact with family or employer, and "no, I
didn't say that" (`correction`).

The words are data (data/lexicons/record_signals.yml), read on one view of the
text (bot/nlu/text_view.py). No Rasa import: signals.read_signals calls it.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

from bot.compliance.optout import detect_opt_out
from bot.nlu import lexicons
from bot.nlu.normalise.common import _cap
from bot.nlu.contact_limits import contact_limits
from bot.nlu.contact_time import check_lexicon as _check_contact_time, contact_time
from bot.nlu.text_view import view

RECORD_INTENTS = ("already_paid", "complain", "dispute_debt", "stop_contact", "wrong_person")
_FLAGS = ("who_is_this", "amount_question", "reduced_income", "family_contact", "correction", "yes_first",
          "someone_else", "how_to_pay", "contacts_worry", "visit_worry", "hedged", "agrees", "complaint_asked",
          "threat_reported")
# An M-Pesa-like transaction code ("QJK3H7T2LM"): 10 capitals and digits, at least 2 digits and
# 4 letters, read on the typed text because case is what tells it from a word.
_TRANSACTION_CODE = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Z0-9]{10}(?![A-Za-z0-9]))(?=(?:[A-Z]*\d){2})(?=(?:\d*[A-Z]){4})[A-Z][A-Z0-9]{9}")
# A payment reference the borrower names ("ref 9QX-22814", "receipt no. TX558201", "transaction id: 88213"):
# the word, then one token of 5-20 letters, digits or hyphens with at least one digit.
_NAMED_REFERENCE = re.compile(
    r"(?:\b(?:ref(?:erence)?|receipt|transaction|txn|trx|confirmation|code|kode(?:nya)?|resibo|struk(?:nya)?)\b"
    r"|交易号|交易单号|流水号|订单号|转账单号|凭证号|单号)"
    r"[\s.:#：-]{0,3}(?:(?:no|number|num|id|code)\b[\s.:#-]{0,3})?(?:(?:(?:is|was|ni|ay)\b|是)[\s.:#：-]{0,3})?"
    r"(?=[A-Za-z0-9-]{0,31}\d)(\d{2,6}(?: \d{2,6}){1,4}(?![A-Za-z0-9-])|[A-Za-z0-9][A-Za-z0-9-]{4,31})"
    r"(?![A-Za-z0-9-])", re.IGNORECASE)
# The words that name a payment's own reference: one given is evidence of a payment made
# ("ok paid. confirmation is 9QX-22814", "kodenya 7781 2290 1100"); a bare "ref" or "code" may be the loan's.
_PAYMENT_WORD = re.compile(r"^(?:receipt|transaction|txn|trx|confirmation|resibo|struk|kode)", re.IGNORECASE)
_LOAN_TOKEN = re.compile(r"LN[-_#:.]*\d{4,8}", re.IGNORECASE)
_LOAN_WORD_BEFORE = re.compile(r"\b(?:loan|account|acct|a/c|mkopo|utang|pinjaman)\s*$", re.IGNORECASE)
Rule = Tuple[Optional[re.Pattern], Optional[re.Pattern], Optional[re.Pattern]]  # match, unless, typed


def _expand(pattern: str, macros: Dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: macros.get(m.group(1), m.group(0)), str(pattern))


def _compile(entry: Any, macros: Dict[str, str], name: str) -> Rule:
    if not isinstance(entry, dict) or not isinstance(entry.get("match"), list):
        raise ValueError(f"data/lexicons/record_signals.yml: {name!r} needs a 'match' list")

    def one(patterns: List[Any], flags: int = re.IGNORECASE) -> Optional[re.Pattern]:
        parts = [f"(?:{_expand(p, macros)})" for p in patterns or ()]
        return re.compile("|".join(parts), flags) if parts else None
    return one(entry["match"]), one(entry.get("unless") or []), one(entry.get("typed") or [], 0)


@lru_cache(maxsize=1)
def _rules() -> Dict[str, Rule]:
    data = lexicons.load("record_signals")
    macros = {str(k): str(v) for k, v in (data.get("macros") or {}).items()}
    evidence = data.get("evidence") or {}
    missing = [n for n in RECORD_INTENTS if n not in evidence] + [n for n in _FLAGS if n not in data]
    if missing:
        raise ValueError(f"data/lexicons/record_signals.yml: missing sections {missing}")
    rules = {name: _compile(evidence[name], macros, name) for name in RECORD_INTENTS}
    rules.update({name: _compile(data[name], macros, name) for name in _FLAGS})
    return rules


def _says(name: str, said: str, typed: str = "") -> bool:
    """Whether the view (or, for `typed` patterns, the typed text) says it and no `unless` cancels it."""
    match, unless, cased = _rules()[name]
    found = bool(match and match.search(said)) or bool(cased and typed and cased.search(typed))
    return found and not (unless and unless.search(said))


def family_contact(text: str) -> bool:
    """A report that someone contacted the borrower's family, friends, employer or colleagues."""
    return _says("family_contact", view(text))


def _not_a_stop_now(said: str) -> bool:
    """A stop asked for once the debt is paid ("...then leave me alone"), or a word on how often
    ("stop calling me every time"): not a request to stop now (stop_contact's `unless`)."""
    unless = _rules()["stop_contact"][1]
    return bool(unless and unless.search(said))


def evidence(text: str) -> List[str]:
    """The record-changing intents the words make an explicit claim for, sorted."""
    said, typed = view(text), unicodedata.normalize("NFKC", _cap(text if isinstance(text, str) else ""))
    found = {name for name in RECORD_INTENTS if _says(name, said, typed)}
    if detect_opt_out(text if isinstance(text, str) else "") and not _not_a_stop_now(said):
        found.add("stop_contact")
    if contact_limits(text) and not _not_a_stop_now(said):  # "nobody calls my work again", "SMS only"
        found.add("stop_contact")
    if "already_paid" not in found and (_TRANSACTION_CODE.search(_cap(text or "")) or _named_payment(text)):
        found.add("already_paid")
    if _says("family_contact", said) or _says("threat_reported", said):
        found.add("complain")
    return sorted(found)


def who_is_this(text: str) -> bool:
    """"Who is this?": the lender's identity and the verification request, never "wrong number"."""
    return _says("who_is_this", view(text))


def amount_question(text: str) -> bool:
    """Why the amount is what it is: the fees explanation, never a dispute."""
    return _says("amount_question", view(text))


def hardship_likely(text: str) -> Optional[str]:
    """"reduced_income" for income cut but not lost (hours, sales, a delayed or halved salary)."""
    return "reduced_income" if _says("reduced_income", view(text)) else None


def correction(text: str) -> bool:
    """"No, I didn't say that": the borrower says the bot misread them."""
    return _says("correction", view(text))


def _named(text: str):
    """Each payment reference named with its word ("ref 9QX-22814"), never the loan's own."""
    for named in _NAMED_REFERENCE.finditer(text):
        # "reference LN-20931", "loan ref 77310": the loan's own reference, not a payment's (issue 13 panel)
        if _LOAN_TOKEN.fullmatch(named.group(1)) or _LOAN_WORD_BEFORE.search(text[max(0, named.start() - 12):named.start()]):
            continue
        yield named


def _named_payment(text: str) -> bool:
    return any(_PAYMENT_WORD.match(m.group(0)) for m in _named((text if isinstance(text, str) else "")[:1000]))


def payment_reference(text: str) -> Optional[str]:
    """The payment reference or transaction code the borrower gives, as typed (the first one), or None."""
    text = (text if isinstance(text, str) else "")[:1000]
    for named in _named(text):
        return named.group(1)
    code = _TRANSACTION_CODE.search(_cap(text))
    return code.group(0) if code else None


def read_record_signals(text: str) -> Dict[str, Any]:
    """The keys signals.read_signals adds for issue 13 (shape in bot/nlu/signals.py)."""
    text = text if isinstance(text, str) else ""
    said = view(text)
    return {
        "evidence": evidence(text),
        "who_is_this": _says("who_is_this", said),
        "amount_question": _says("amount_question", said),
        "hardship_likely": "reduced_income" if _says("reduced_income", said) else None,
        "family_contact": _says("family_contact", said),
        "contact_time": contact_time(text),
        "correction": _says("correction", said),
        "yes_first": _says("yes_first", said),
        "someone_else": _says("someone_else", said),
        "how_to_pay": _says("how_to_pay", said),
        "visit_worry": _says("visit_worry", said),
        "threat_reported": _says("threat_reported", said),
        "contacts_worry": _says("contacts_worry", said) and not _says("family_contact", said),
        "hedged": _says("hedged", said),
        "agrees": _says("agrees", said),
        "complaint_asked": _says("complaint_asked", said),
        "payment_reference": payment_reference(text),
    }


def check_lexicon() -> None:
    """Compiles every pattern of record_signals.yml and contact_time.yml now; raises if one is broken."""
    _rules()
    _check_contact_time()


# Compiled when imported (as bot/nlu/safety.py does): the first borrower message
# does not pay for it, and a broken lexicon fails when the NLU loads.
check_lexicon()
