"""Simulated borrowers: each persona is a small generator of typed messages.

A persona reads the bot's last reply (already classified by `read_reply`) and
answers the way that kind of borrower would, sampling from phrasings written
for this simulator (not the NLU training data), with typos and regional
English mixed in. Keeping the persona logic here and the plumbing in
`bench/simulator.py` means a new persona is one function.

A persona is `persona(rng, loan) -> Generator[str, Reply, None]`: it yields a
message, receives the classified reply, and returns when it leaves.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Callable, Generator

# --- reading the bot ----------------------------------------------------------

_KINDS = (  # first match wins; phrases come from config/messages.yml
    ("paused", r"passing your conversation to a person|pausing this chat|a person from .* will"),
    ("accepted", r"it's recorded"),
    ("offer", r"shall i set this up|would that work\?"),
    ("locked", r"couldn't confirm your identity"),
    ("verify_failed", r"don't match our records"),
    ("ask_dob", r"now please send your date of birth"),
    ("ask_reference", r"now please send your loan reference"),
    ("verified", r"you're verified"),
    ("ask_identity", r"loan reference .*date of birth|confirm who you are"),
    ("ask_date", r"which date could you pay"),
    ("ask_duration", r"how much more time"),
    ("ask_amount", r"how much could you pay now"),
    ("ask_affordability", r"how much could you pay each|how much could you pay each week or month"),
    ("declined", r"tell me what would work for you"),
    ("abuse_warning", r"can't continue if the conversation stays abusive"),
    ("fallback", r"didn't understand|didn't catch that"),
    ("options", r"what would you like to do"),
)
_COMPILED = [(k, re.compile(p, re.IGNORECASE | re.DOTALL)) for k, p in _KINDS]


@dataclass(frozen=True)
class Reply:
    kind: str  # one of _KINDS' names, "empty" (no answer) or "other"
    text: str


def read_reply(text: str) -> Reply:
    if not text.strip():
        return Reply("empty", text)
    for kind, pattern in _COMPILED:
        if pattern.search(text):
            return Reply(kind, text)
    return Reply("other", text)


# --- what a borrower knows -----------------------------------------------------

@dataclass(frozen=True)
class Loan:
    loan_id: str
    dob: date
    currency: str
    total: Decimal
    other_loan_ids: tuple[str, ...] = ()


Persona = Callable[[random.Random, Loan], Generator[str, Reply, None]]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def typo(rng: random.Random, text: str, rate: float = 0.25) -> str:
    """Sometimes drop or swap a letter in one longer word, as thumbs on a phone do."""
    if rng.random() > rate:
        return text
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    words[i] = w[:j] + w[j + 1:] if rng.random() < 0.5 else w[:j - 1] + w[j] + w[j - 1] + w[j + 1:]
    return " ".join(words)


def casing(rng: random.Random, text: str) -> str:
    r = rng.random()
    if r < 0.2:
        return text.lower()
    if r < 0.25:
        return text.upper()
    return text


def say(rng: random.Random, options: list[str], **fills: object) -> str:
    return casing(rng, typo(rng, rng.choice(options).format(**fills)))


def reference_text(rng: random.Random, loan: Loan) -> str:
    ref = loan.loan_id
    prefix, digits = ref.split("-")
    return rng.choice([ref, ref.lower(), f"{prefix} {digits}", f"{prefix}{digits}".lower(), ref])


def dob_text(rng: random.Random, d: date) -> str:
    month = _MONTHS[d.month - 1]
    return rng.choice([
        f"{d.day} {month} {d.year}", f"{d.day} {month[:3]} {d.year}", f"{month} {d.day}, {d.year}",
        f"{d.day:02d}/{d.month:02d}/{d.year}", d.isoformat(), f"{d.day}th of {month} {d.year}"
        if d.day not in (1, 2, 3, 21, 22, 23, 31) else f"{d.day} {month} {d.year}",
    ])


def wrong_dob(rng: random.Random, d: date) -> date:
    return d.replace(year=d.year - rng.randint(1, 5))


def identity_both(rng: random.Random, loan: Loan) -> str:
    return say(rng, [
        "my loan number is {ref} and i was born {dob}",
        "{ref}, date of birth {dob}",
        "Loan ref {ref}. DOB {dob}",
        "it's {ref} and my birthday is {dob}",
        "ref: {ref} born on {dob}",
        "Hi, account {ref}, d.o.b {dob}",
    ], ref=reference_text(rng, loan), dob=dob_text(rng, loan.dob))


def identity_reference(rng: random.Random, loan: Loan) -> str:
    return say(rng, ["my loan is {ref}", "{ref}", "the reference is {ref}", "loan number {ref} i think"],
               ref=reference_text(rng, loan))


def identity_dob(rng: random.Random, loan: Loan, d: date | None = None) -> str:
    return say(rng, ["born {dob}", "{dob}", "my date of birth is {dob}", "dob {dob}"],
               dob=dob_text(rng, d or loan.dob))


GREETINGS = ["hi", "Hello", "good morning", "hey there", "habari", "hullo", "Hi, I got your message",
             "good evening", "helo"]
YES = ["yes", "yes please", "ok go ahead", "Yes that works", "sawa, set it up", "yep do it", "fine by me",
       "ok", "alright, yes", "that's okay with me"]
NO = ["no", "no that won't work", "nope", "no I can't manage that", "not that one", "no thanks"]
THANKS_BYE = ["thanks", "thank you, bye", "ok thanks", "asante", "cheers", "bye"]


def amount_text(rng: random.Random, amount: Decimal, currency: str) -> str:
    whole = int(amount)
    forms = [f"{whole}", f"{whole:,}", f"{currency} {whole}"]
    if whole >= 1000 and whole % 1000 == 0:
        forms.append(f"{whole // 1000}k")
    return rng.choice(forms)


def affordable(rng: random.Random, loan: Loan, periods: tuple[int, int]) -> Decimal:
    """A per-period amount that would clear the loan in `periods` (lo..hi) payments."""
    n = rng.randint(*periods)
    raw = loan.total / n
    step = Decimal(100) if raw >= 1000 else Decimal(10) if raw >= 50 else Decimal(1)
    return max((raw / step).quantize(Decimal(1)) * step, step)


def ask_plan(rng: random.Random, loan: Loan) -> str:
    """A first request that is usually inside the standard limits."""
    choice = rng.random()
    if choice < 0.35:
        return say(rng, ["can I split it into {n} payments", "{n} instalments please",
                         "could i pay in {n} parts?", "I'd like to pay it over {n} months",
                         "is it possible to do {n} installments"], n=rng.choice([2, 3, 3]))
    if choice < 0.6:
        return say(rng, ["I can pay on {day}", "i will pay by {day}", "I'll clear it {day}",
                         "let me pay it {day}, is that ok"],
                   day=rng.choice(["friday", "tomorrow", "next monday", "on saturday", "the day after tomorrow"]))
    if choice < 0.8:
        return say(rng, ["can I have {d} more days", "I need {d} days more please",
                         "give me {w} weeks to pay", "could you give me {w} more weeks"],
                   d=rng.choice([5, 7, 10]), w=rng.choice([1, 2]))
    return say(rng, ["I'll pay everything today", "I want to pay the whole thing now",
                     "let me just pay it all off today"])


def answer_question(rng: random.Random, reply: Reply, loan: Loan) -> str:
    if reply.kind == "ask_date":
        return say(rng, ["{day}", "by {day}", "maybe {day}"], day=rng.choice(["friday", "tomorrow", "next tuesday"]))
    if reply.kind == "ask_duration":
        return say(rng, ["{w} weeks", "about {d} days", "give me {w} weeks"], w=rng.choice([1, 2]),
                   d=rng.choice([7, 10]))
    if reply.kind == "ask_amount":
        return say(rng, ["I can pay {a} now", "{a} today", "about {a}"],
                   a=amount_text(rng, affordable(rng, loan, (3, 5)), loan.currency))
    period = rng.choice(["week", "month"])
    amt = affordable(rng, loan, (2, 4) if period == "month" else (4, 8))
    return say(rng, ["I can do {a} a {p}", "maybe {a} every {p}", "{a} per {p} is what I can manage",
                     "around {a} each {p}"], a=amount_text(rng, amt, loan.currency), p=period)


QUESTIONS = ("ask_date", "ask_duration", "ask_amount", "ask_affordability", "declined")


def verify(rng: random.Random, loan: Loan, forgetful: bool = False,
           reply: Reply | None = None) -> Generator[str, Reply, bool]:
    """Gets through identity (greeting first unless we already spoke); True once verified."""
    if reply is None:
        reply = yield rng.choice(GREETINGS)
    for _ in range(4):
        if reply.kind == "verified":
            return True
        if reply.kind in ("locked", "paused", "empty"):
            return False
        if reply.kind == "ask_dob":
            reply = yield identity_dob(rng, loan)
        elif reply.kind == "ask_reference":
            reply = yield identity_reference(rng, loan)
        elif forgetful and reply.kind != "verify_failed" and rng.random() < 0.5:
            reply = yield rng.choice([identity_reference, identity_dob])(rng, loan)
        elif forgetful and rng.random() < 0.3:
            reply = yield identity_both(rng, Loan(loan.loan_id, wrong_dob(rng, loan.dob), loan.currency, loan.total))
        else:
            reply = yield identity_both(rng, loan)
    return reply.kind == "verified"


def negotiate(rng: random.Random, loan: Loan, opening: str, accept_first: float,
              accept_later: float = 0.9) -> Generator[str, Reply, None]:
    """Asks, answers the bot's questions, and says yes or no to offers."""
    reply = yield opening
    offers, answer = 0, None
    for _ in range(8):
        if reply.kind in ("accepted", "paused", "empty", "locked"):
            return
        if reply.kind == "offer":
            offers += 1
            answer = YES if rng.random() < (accept_first if offers == 1 else accept_later) else NO
            if answer is NO and rng.random() < 0.5:  # says what would work instead of a bare no
                answer = None
                reply = yield say(rng, NO) + ", " + answer_question(rng, Reply("ask_affordability", ""), loan)
            else:
                reply = yield say(rng, answer)
        elif reply.kind == "fallback" and answer is not None:  # not understood: say it plainly
            reply = yield answer[0]
            answer = None
        elif reply.kind in QUESTIONS:
            reply = yield answer_question(rng, reply, loan)
        else:
            reply = yield ask_plan(rng, loan)


# --- the personas ---------------------------------------------------------------

def cooperative(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    if not (yield from verify(rng, loan)):
        return
    yield from negotiate(rng, loan, ask_plan(rng, loan), accept_first=0.85)
    yield rng.choice(THANKS_BYE)


def forgetful(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    if not (yield from verify(rng, loan, forgetful=True)):
        return
    vague = say(rng, ["can I pay later", "i need more time", "I will pay, just not now",
                      "can we do it in parts", "umm I want to sort this out", "I'll pay soon i promise"])
    yield from negotiate(rng, loan, vague, accept_first=0.7)


HARDSHIP = [
    "I lost my job last month and I can't pay it all",
    "i was laid off in october, money is very tight",
    "my husband passed away and I'm struggling to pay",
    "I've been in hospital with malaria, I couldn't work",
    "I was retrenched, can we work something out",
    "my mother died and the funeral took everything I had",
    "I'm unemployed now, I really can't pay the full amount",
    "had an accident and been off work for weeks",
]


def hardship(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    if not (yield from verify(rng, loan)):
        return
    yield from negotiate(rng, loan, typo(rng, rng.choice(HARDSHIP)), accept_first=0.75)


ANGRY = ["stop calling me all the time!!", "this is ridiculous, why are you harassing me",
         "you people are thieves", "I'm sick of these messages", "what do you want from me now"]
ABUSE = ["you are useless idiots", "go to hell with your loan", "f*** off bot", "shut up you stupid machine"]


def angry(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    reply = yield rng.choice(ANGRY)
    if rng.random() < 0.35:
        reply = yield rng.choice(ABUSE)
        if reply.kind == "paused":
            return
        if rng.random() < 0.3:  # does not calm down: a second insult pauses the chat
            yield rng.choice(ABUSE)
            return
    if not (yield from verify(rng, loan, reply=reply)):
        return
    opening = rng.choice([
        "fine. I need more time, like a month", "I can't pay all of it, I can do some every week",
        "ok whatever, split it in 3", "I'll pay when I get paid on friday, happy?",
    ])
    yield from negotiate(rng, loan, opening, accept_first=0.6, accept_later=0.8)


EVASIVE = ["who is this?", "is this a real person?", "what's this about", "I'm busy, later",
           "can you call me next week instead", "how much are the fees anyway",
           "what happens if I don't pay", "I'm driving now, text me tomorrow"]


def evasive(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    reply = yield rng.choice(EVASIVE[:3])
    if not (yield from verify(rng, loan, reply=reply)):
        return
    for _ in range(rng.randint(1, 3)):
        reply = yield typo(rng, rng.choice(EVASIVE[3:]))
        if reply.kind in ("paused", "empty"):
            return
    if rng.random() < 0.35:
        yield rng.choice(["ok bye", "not now", "I'll think about it"])
        return
    yield from negotiate(rng, loan, rng.choice(["I'll pay something next week maybe",
                                                "promise to pay on friday", "give me two weeks"]),
                         accept_first=0.55, accept_later=0.7)


CONFUSED = ["what loan?", "I don't understand what I owe", "how does this work", "what are my options",
            "sorry i'm confused, what do I need to do", "which amount is it again"]


def confused(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    reply = yield rng.choice(CONFUSED)
    if not (yield from verify(rng, loan, reply=reply)):
        return
    for _ in range(rng.randint(1, 2)):
        reply = yield typo(rng, rng.choice(CONFUSED[1:]), 0.4)
        if reply.kind in ("paused", "empty"):
            return
    yield from negotiate(rng, loan, rng.choice(["the instalments one i guess", "can i pay bit by bit",
                                                "I think I need more time?", ask_plan(rng, loan)]),
                         accept_first=0.75)


VULNERABLE = ["I've been really depressed and can't cope with any of this",
              "I have cancer and I'm on chemo, I can't think about money",
              "I'm disabled and my carer handles my money",
              "honestly I don't see the point in living anymore",
              "I feel like ending it all, this debt is too much",
              "my mental health is very bad right now"]


def vulnerable(rng: random.Random, loan: Loan) -> Generator[str, Reply, None]:
    if not (yield from verify(rng, loan)):
        return
    reply = yield rng.choice(VULNERABLE)
    if reply.kind in ("paused", "empty"):
        return
    yield from negotiate(rng, loan, "can I pay a little at a time", accept_first=0.6)


PERSONAS: dict[str, Persona] = {
    "cooperative": cooperative, "forgetful": forgetful, "hardship": hardship, "angry": angry,
    "evasive": evasive, "confused": confused, "vulnerable": vulnerable,
}
