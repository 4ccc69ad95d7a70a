"""The signals the dialogue needs, read from the borrower's text once, in the NLU.

Pipeline entry (after the entity normaliser): - name: bot.nlu.signal_reader.SignalReader

Every parse carries ``parse["signals"]`` (docs/nlu-entities.md):

    {"scope": "all_loans" | "this_loan",
     "period": {"unit": "fortnight" | "week" | "month" | None, "per": bool, "every": bool,
                "payday": bool,               # only when the month is a pay word ("per sweldo", "every payday")
                "weekday": 0-6},              # only for a weekday said as a rate: "2000 every Friday" -> 4
     "hardship": "job_loss" | "business_failure" | "illness" | "bereavement" | "disaster" | None,
     "legal_threat": bool,
     "regulator_only": bool,
     "question": bool,               # the message asks something (a question mark): "Surat kematian saya kirim kemana?"         # the legal threat is only a regulator or an ombudsman: a complaint case
     "arrest": bool,
     "pays": bool,                   # a payment they say they will make: "I'll pay", "nitalipa", "bisa lunasin"
     "now": bool,                    # "now", "ngayon", "sasa hivi", "现在": today, where they pay it all
     "how_much": bool,               # "how much", "magkano", "berapa", "多少": a question paying it now answers
     "opt_out": "cease" | "channel" | "limits" | None,   # limits: some channels ruled out, others kept
     "contact_limits": {"no": [channel, ...], "only": [channel, ...]} | None,  # bot/nlu/contact_limits.py
     "loan_reference": "LN-20931" | None,
     # issue 13, bot/nlu/record_signals.py (words: data/lexicons/record_signals.yml):
     "evidence": ["already_paid", "complain", "dispute_debt", "stop_contact", "wrong_person"],  # sorted subset
     "who_is_this": bool,            # "who is this?", "nani huyu", "sino to", "你是谁"
     "amount_question": bool,        # "why is it 5,600 when I borrowed 5,000?"
     "hardship_likely": "reduced_income" | None,   # "hours were cut", "sales dropped", "bawas sahod"
     "family_contact": bool,         # "your agent phoned my wife", "you called my boss"
     "contact_time": {"relation": "after" | "before" | "at", "hour": 0-23, "minute": 0-59} | None,
     "correction": bool,             # "no, I didn't say that", "sikusema hivyo"
     "yes_first": bool,              # opens with a yes: "Yep, Monday's fine", "Ndio, ...", "对。..."
     "someone_else": bool,           # writes for the borrower: "this is Marcus's brother", "uska loan number"
     "threat_reported": bool,        # a threat made in the lender's name, reported: "one man call me say police go come"
     "visit_worry": bool,            # will someone come to my home or work? ("会上门吗", "DC mau datang ke rumah?")
     "how_to_pay": bool,             # asks how or where to pay: "where do i pay?", "用支付宝可以还吗"
     "contacts_worry": bool,         # will you tell my family / spread my data? (not a report: family_contact)
     "hedged": bool,                 # a doubt: "I might manage Friday", "labda", "可能" (never recorded on the spot)
     "agrees": bool,                 # plain agreement not at the start: "230 each is fine", "£130 each, yes"
     "complaint_asked": bool,        # a complaint asked for in so many words: "I want that on record as a complaint"
     # bot/nlu/payment_parts.py: a payment in two parts, each amount with its own date
     "parts": [{"amount": 0 | "rest", "when": ["date" | "duration_days", 0] | None}, ...] | None}

``evidence`` lists the record-changing moves whose claim the words make
explicitly ("I paid", an M-Pesa-like code, "this loan is not mine", "stop
contacting me", "wrong number", "I want to complain", a report of contact
with family): the dialogue changes the record only on intent AND evidence.
"I get paid on the 15th" is no evidence of already_paid, an amount question
none of a dispute, "who is this?" none of a wrong number. ``hardship`` stays
for documented hardship; ``hardship_likely`` is a cut in income, and a
message may carry both. ``contact_time`` is a plain time of day (after 7pm ->
after 19:00; Swahili "saa moja jioni" -> 19:00; data/lexicons/contact_time.yml),
None when a payment word and no contact word come with it ("I'll pay at 6pm").

Why here: the dialogue (bot/dialogue) decides from the parse alone, so what a
message means is read in one place, measured by one evaluation, and a second
language is a second lexicon (data/lexicons/signals.yml), not edits in the
dialogue, the actions and the compliance code. No Rasa import (the component
is bot/nlu/signal_reader.py): the dialogue calls ``signals_of`` for a parse
that never went through the pipeline (a test story with a given intent, a
tracker recorded before the signals existed).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import yaml

from bot.compliance.optout import detect_opt_out
from bot.nlu.contact_limits import contact_limits
from bot.config.bot_file import load_bot
from bot.nlu.lexicons import alternation
from bot.nlu.payment_parts import check_lexicon as check_parts_lexicon, parts_of
from bot.nlu.record_signals import check_lexicon as _check_record_signals, read_record_signals

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicons" / "signals.yml"
SCOPES = ("all_loans", "this_loan")
PERIOD_UNITS = ("fortnight", "week", "month")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday() order
HARDSHIP_REASONS = ("job_loss", "business_failure", "illness", "bereavement", "disaster")


@lru_cache(maxsize=1)
def lexicon() -> Dict[str, Any]:
    """data/lexicons/signals.yml, read once per process."""
    with open(LEXICON, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for section in ("scope", "period", "hardship"):
        if not isinstance(data.get(section), dict):
            raise ValueError(f"{LEXICON}: section {section!r} missing or not a mapping")
    if not isinstance(data.get("arrest"), list) or not data["arrest"]:
        raise ValueError(f"{LEXICON}: section 'arrest' missing or not a list of words")
    return data


def _words(words: Iterable[Any]) -> re.Pattern:
    return re.compile(rf"\b{alternation(words)}\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _patterns() -> Dict[str, re.Pattern]:
    scope, period = lexicon()["scope"], lexicon()["period"]
    all_, both, loans = alternation(scope["all"]), alternation(scope["both"]), alternation(scope["loans"])
    about_all = "|".join((
        rf"\b(?:{all_}|{both})\s+(?:of\s+)?(?:{alternation(scope['owners'])}\s+)?{loans}\b",
        rf"\b(?:{all_}|{both})\s+of\s+{alternation(scope['pronouns'])}\b",
        r"\bthem\s+(?:both|all)\b",
        rf"\b{alternation(scope['together_lead'])}\s+{alternation(scope['together'])}\b",
        rf"\bboth\b(?!\s+(?:of\s+)?{alternation(scope['both_not_before'])}\b)",
        rf"\b{alternation(scope['phrases'])}\b",
    ))
    return {
        "about_all": re.compile(about_all, re.IGNORECASE),
        "fortnight": _words(period["fortnight"]),
        "week": _words(period["week"]),
        "month": _words(period["month"]),
        "payday": _words(period.get("payday") or ["(?!)"]),
        "per": re.compile(rf"\b{alternation(period['per'])}\s+{alternation(period['per_units'])}\b"
                          rf"|\b{alternation(period['per_adverbs'])}\b", re.IGNORECASE),
        "every": _words(period["every"]),
        **{f"weekday_{day}": _words(phrases) for day, phrases in period["weekday_rate"].items()},
        **{f"han_{unit}": re.compile(alternation((period.get("han") or {}).get(unit) or ["(?!)"]))
           for unit in PERIOD_UNITS},
    }


def about_all_loans(text: str) -> bool:
    """Whether the borrower means all their loans at once, not just the one talked about."""
    return bool(_patterns()["about_all"].search(text or ""))


def payment_period(text: str) -> Dict[str, Any]:
    """How often the borrower means to pay, as said: the unit named, and whether it is a rate.

    ``unit``: "fortnight" beats "week" beats "month" ("every two weeks" is a
    fortnight even though it says week); ``per``: "a week", "per month",
    "monthly" (an amount said so is per period); ``every``: an every-like
    word anywhere, which makes a 7/14/30-day duration the period.
    """
    text = text or ""
    found = _patterns()
    han = next((u for u in PERIOD_UNITS if found[f"han_{u}"].search(text)), None)  # 每周: a rate of its unit
    if han:
        return {"unit": han, "per": True, "every": True}
    unit = next((u for u in PERIOD_UNITS if found[u].search(text)), None)
    weekday = next((n for n, day in enumerate(WEEKDAYS) if found[f"weekday_{day}"].search(text)), None)
    if unit is None and weekday is not None:  # "5k every Friday": a rate of a week, paid on Fridays
        return {"unit": "week", "per": True, "every": True, "weekday": weekday}
    said = {"unit": unit, "per": bool(found["per"].search(text)), "every": bool(found["every"].search(text))}
    if unit is None and found["payday"].search(text):  # "per sweldo": a month unless their pay rhythm says otherwise
        return {**said, "unit": "month", "payday": True}
    return said


# Hardship: the lender's hardship limits open only for a reason a person could
# later check, so the reason is named (job_loss, illness, ...), not inferred from tone.
_HARDSHIP: Dict[str, tuple] = {
    "job_loss": (
        r"\b(lost|lose|losing) (my|the|our) (job|work|contract|gig)",
        r"\b(laid off|retrenched|sacked|fired|redundan\w*|unemployed|jobless)\b",
        r"(?<!\bif )(?<!\bend )(?<!\bthat )(?<!\bdate )(?<!\bday )\bno (job|work)\b", r"\bout of work\b",
    ),
    "business_failure": (
        r"\b(business|shop|store|biashara|market) (failed|collapsed|closed|is down|went down|burn\w*)",
        r"\b(customers|sales) (dried up|are down|stopped)\b", r"\bstock (was )?(stolen|burnt|lost)\b",
    ),
    "illness": (
        # not "ill" alone: "ok ill pay the full 232 thursday" is "I'll" (round 9 (dev): recorded as illness)
        r"\b(?:am|is|was|been|fell|very|seriously|got|so|too|im|are)\s+ill\b",
        r"\b(sick|illness|hospital\w*|admitted|surgery|operation|cancer|malaria|typhoid|"
        r"diagnos\w*|treatment|dialysis|chemo\w*|accident|injur\w*|disab\w*|dementia|alzheimer\w*|"
        r"stroke(?! of luck)|coma|icu|intensive care|bedridden|paraly[sz]\w*)\b",
        r"\bmental health\b", r"\bdepress\w*\b",
    ),
    "bereavement": (
        r"\b(died|passed away|passed on|death|funeral|burial|buried|bereave\w*|lost my (mother|father|"
        r"mum|mom|dad|wife|husband|son|daughter|child|baby|brother|sister))\b",
        r"\b(?:don|done|has|have|had)\s+die\b|\bdie\s+(?:for|on|in|last)\b|\b(?:he|she|they)\s+(?:is|are)\s+(?:now\s+)?dead\b|\bwas\s+killed\b",
    ),
    "disaster": (r"\b(flood\w*|fire|earthquake|typhoon|storm|evict\w*|robbed|theft)\b",),
}


@lru_cache(maxsize=1)
def _hardship_patterns() -> Dict[str, List[re.Pattern]]:
    local = lexicon()["hardship"]
    unknown = set(local) - set(HARDSHIP_REASONS)
    if unknown:
        raise ValueError(f"{LEXICON}: hardship: unknown reasons {sorted(unknown)}")
    han = lexicon().get("hardship_han") or {}
    return {reason: [re.compile(p, re.IGNORECASE) for p in patterns]
            + ([_words(local[reason])] if local.get(reason) else [])
            + ([re.compile(alternation(han[reason]))] if han.get(reason) else [])
            # a death first: "My husband Emeka die for October 29. Na accident." is a bereavement (round 9 (dev))
            for reason, patterns in sorted(_HARDSHIP.items(), key=lambda kv: kv[0] != "bereavement")}


# Work at a hospital is no illness ("I work doubles at the hospital": round 6 (dev) put a nurse on the
# hardship limits and kept her own promise from being recorded as said).
_WORK_AT_HOSPITAL = re.compile(
    r"\b(?:work\w*|job|shifts?|doubles|nurse|nursing|doctor|orderly|cleaner|guard|porter)\b[^.!?]{0,30}?"
    r"\b(?:at|in|for)\s+(?:the\s+|a\s+)?hospital\w*", re.IGNORECASE)


def hardship_reason(text: str) -> Optional[str]:
    """The first documented hardship named in the text, or None."""
    text = _WORK_AT_HOSPITAL.sub(" ", text or "")
    for reason, patterns in _hardship_patterns().items():
        if any(p.search(text) for p in patterns):
            return reason
    return None


# A lawyer or a regulator: what is said next may matter in a complaint, so a person takes over.
@lru_cache(maxsize=1)
def _legal() -> re.Pattern:
    """The lender's own names ("sue Tawi") come from config/bot.yml (lender.name, lender.short_name)."""
    lender = load_bot().lender
    names = "|".join(re.escape(name.lower()) for name in (lender.name, lender.short_name) if name)
    return re.compile(
        r"\b(my|our|a|the) (lawyer|attorney|advocate|solicitor|legal (team|counsel|aid))\b"
        r"|\b(report|complain|escalate)\w* (you |this |it )?(to )?(the )?(police|authorities)\b"
        rf"|\b(sue|suing) (you|your company|{names})\b|\btake (you|your company) to court\b"
        # "I know my rights under Massachusetts law" (round 9 (dev): read as a vulnerability, "I'm sorry")
        r"|\bmy (legal )?rights (under|as a consumer)\b|\b(fdcpa|fair debt collection practices act)\b"
        rf"|{_REGULATOR}",
        re.IGNORECASE,
    )


# A report to a regulator or an ombudsman: a complaint about how the lender behaved, which leaves
# the debt to the bot beside the case (round 6 (dev): "Nitawa-report CBK" then "I will clear
# everything on 15th" was only appended to a case); a lawyer, a court or the police is for a person.
_REGULATOR = (r"\b(report|complain|escalate)\w* (you |this |it )?(to )?(the )?"
              r"(regulator|central bank|cbk|rbi|cfpb|fca|ftc|sec|ojk|bsp|ombudsman|consumer protection)\b"
              r"|\b(ombudsman|cfpb|financial conduct authority|consumer (protection|financial protection))\b")


def legal_threat(text: str) -> bool:
    """A lawyer, a regulator, a court or the police brought into the conversation."""
    return bool(_legal_mentions(text))


def regulator_only(text: str) -> bool:
    """A regulator named, and no lawyer, court or police: a complaint case, not a legal one."""
    return _only_regulators(_legal_mentions(text))


def _legal_mentions(text: str) -> set:
    return {m.group(0).lower() for m in _legal().finditer(text or "")}


def _only_regulators(found: set) -> bool:
    return bool(found) and all(re.fullmatch(_REGULATOR, f, re.IGNORECASE) for f in found)


def _arrest() -> re.Pattern:
    return _words_or_han("arrest", "arrest_han")


@lru_cache(maxsize=None)
def _words_or_han(words: str, han: str) -> re.Pattern:
    """Whole words of the lexicon list `words`, or anywhere the Chinese phrases of `han`."""
    phrases = lexicon().get(han) or ()
    return re.compile(rf"\b{alternation(lexicon()[words])}\b" + (f"|{alternation(phrases)}" if phrases else ""),
                      re.IGNORECASE)


def _pays() -> re.Pattern:
    return _words_or_han("pays", "pays_han")


def _now() -> re.Pattern:
    return _words_or_han("now_words", "now_han")


def pays(text: str) -> bool:
    """A payment they say they will make ("I'll pay", "nitalipa", "bisa lunasin"): with a date to come,
    their terms, even when the message is read as another request."""
    return bool(_pays().search((text or "").replace("\u2019", "'")))


def arrest(text: str) -> bool:
    """Arrest, jail or the police named ("can I be arrested?", "will the police come?").

    Why: a frightened borrower's question about arrest gets a direct answer,
    not the general consequences paragraph (actions/debt.py). Whether the
    message is a question about consequences at all is the intent's job; a
    threat to report the lender to the police is `legal_threat`.
    """
    return bool(_arrest().search(text or ""))


# A loan reference anywhere in free text ("it's TW-20931"), in whatever shape the
# borrower wrote it; the records compare references loosely (bot/records/queries.py).
# A lower-case word before a number is not one ("my number ends 4471", "pay 2000"
# were taken as references and failed verification), nor is a currency or "DOB".
_REFERENCE = re.compile(
    r"\b(?!(?i:kes|ksh|ngn|inr|rs|php|idr|rp|usd|gbp|cny|rmb|eur|dob)[-\s]?\d)"
    r"(?:[A-Za-z]{2,4}-\d{4,8}|[A-Za-z]{2,4}\d{4,8}|[A-Z]{2,4}\s\d{4,8}|(?i:ln)\s\d{4,8})\b")


def loan_reference(text: str) -> Optional[str]:
    match = _REFERENCE.search(text or "")
    return match.group(0) if match else None


def read_signals(text: str, entities: Optional[Iterable[Mapping[str, Any]]] = None) -> Dict[str, Any]:
    """Every signal of one message (the shape in the module docstring); `entities` as the parse
    has them, with their positions (only `parts` reads them)."""
    text = text if isinstance(text, str) else ""
    limits = contact_limits(text)
    legal = _legal_mentions(text)  # scanned once: whether a legal threat, and whether only regulators
    return {
        "scope": "all_loans" if about_all_loans(text) else "this_loan",
        "period": payment_period(text),
        "hardship": hardship_reason(text),
        "legal_threat": bool(legal),
        "regulator_only": _only_regulators(legal),
        "question": bool(re.search(r"[?？]", text or "")),
        "arrest": arrest(text),
        "pays": pays(text),
        "now": bool(_now().search(text)),
        "how_much": bool(_words_or_han("how_much", "how_much_han").search(text)),
        "opt_out": "limits" if limits else detect_opt_out(text),
        "contact_limits": limits,
        "loan_reference": loan_reference(text),
        **read_record_signals(text),
        "parts": parts_of(text, entities),
    }


def signals_of(parse: Mapping[str, Any]) -> Dict[str, Any]:
    """The parse's signals; read from its text when it never passed through the pipeline."""
    signals = parse.get("signals")
    if isinstance(signals, Mapping):
        return dict(signals)
    return read_signals(parse.get("text") or "", parse.get("entities") or ())


def check_lexicon() -> None:
    """Compiles every lexicon pattern now; raises ValueError naming the file if one is broken."""
    _patterns()
    _hardship_patterns()
    _arrest()
    _check_record_signals()
    check_parts_lexicon()
