"""The whole life of a portfolio on a simulated clock (`make simulate LOANS=1000 DAYS=60`).

Usage::

    python bench/simulate.py --loans 20 --days 7 [--seed 7] [--keep]

Own temp dir, SQLite database and free ports (it runs beside `make run`). The
demo portfolio is cloned to N loans (new ids, one phone per borrower, due dates
spread over [-20, +D/2] days of the start) and the real stack is started
(bot.launch.start: Rasa, action server, web server) with BOT_NOW_FILE set, so
every server reads the simulated time, and Twilio pointed at a local fake
(tests/support/fake_providers.py). Every STEP of simulated time the clock file
is written and `bot.campaigns.run.run(factory, now)` is called in-process - the
same function the Huey task (bot/campaigns/tasks.py) calls. Then persona
borrowers (bench/personas.py) who received an SMS decide by their nature whether
and when to answer; an answer is a conversation over SMS through the real Rasa
and action servers (signed inbound webhook; the bot's replies read from the
fake provider's messages to that phone). They pay (or not) on their
arrangement dates through the signed payment callback (paid_at = simulated now).
At the end bench/sim_check.py (independent of the guard) replays the history;
results go to bench/results/simulate.md and .png, and the last stdout line is
one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.personas import PERSONAS, Loan as PersonaLoan, Reply, read_reply  # noqa: E402
from bench.simulator import MODEL, demo_borrowers, free_port  # noqa: E402

START = datetime(2027, 1, 4, tzinfo=timezone.utc)
STEP = timedelta(hours=2)
MAX_TURNS = 8               # a conversation over SMS is short
MAX_CONVERSATIONS_PER_STEP = 6
CONVERSATION_BUDGET = 250   # conversations in the whole run (each costs ~5 s of the real stack)
PATIENCE = timedelta(days=1)  # an answer the budget held back this long is given up (counted)
WORKERS = 2
SMS_FROM = "+15005550006"
_STILL_VERIFIED = re.compile(r"welcome back|: you owe", re.IGNORECASE)
RESULTS = ROOT / "bench" / "results"
MIX = {"cooperative": 25, "forgetful": 20, "hardship": 12, "angry": 10, "evasive": 15, "confused": 10,
       "vulnerable": 8}


@dataclass(frozen=True)
class Nature:
    """How a persona lives: answers a message (chance, delay hours), says STOP, pays on time / late."""
    reply: float
    delay: tuple[int, int]
    on_time: float
    late: float
    stop: float = 0.0
    pays_off: float = 0.0   # pays the whole balance on the due date after a reminder


NATURES = {
    "cooperative": Nature(0.7, (0, 4), 0.95, 0.03, pays_off=0.3),
    "forgetful": Nature(0.35, (2, 30), 0.55, 0.3, pays_off=0.05),
    "hardship": Nature(0.6, (0, 8), 0.75, 0.1),
    "angry": Nature(0.5, (0, 2), 0.5, 0.1, stop=0.4),
    "evasive": Nature(0.15, (6, 48), 0.35, 0.2),
    "confused": Nature(0.5, (1, 12), 0.65, 0.15, pays_off=0.05),
    "vulnerable": Nature(0.4, (2, 24), 0.4, 0.1),
}


@dataclass
class Borrower:
    loan_id: str
    phone: str
    persona: str
    loan: PersonaLoan
    replied_at: datetime | None = None


@dataclass
class World:
    people: dict[str, Borrower]                 # by loan id
    rng: random.Random
    pending: dict[str, datetime] = field(default_factory=dict)   # loan id -> when the borrower answers
    payments: dict[tuple, date | None] = field(default_factory=dict)  # (arrangement, seq) -> pay date
    payoffs: dict[str, date] = field(default_factory=dict)       # loan id -> date to pay everything
    counts: Counter = field(default_factory=Counter)
    daily: list[dict] = field(default_factory=list)
    timing: Counter = field(default_factory=Counter)            # seconds per phase
    days: int = 1
    budget: int = CONVERSATION_BUDGET


# --- the portfolio ------------------------------------------------------------------

def unique_phone(base: str, i: int, jurisdiction: str) -> str:
    """The demo phone with its last digits replaced by the borrower's number (valid for the import)."""
    from bot.records.phones import PhoneError, to_e164

    for salt in range(50):
        candidate = base[:-6] + f"{(i * 37 + salt * 100003) % 1_000_000:06d}"
        try:
            return to_e164(candidate, jurisdiction)
        except PhoneError:
            continue
    raise ValueError(f"no valid phone near {base}")


def clone(n: int, days: int, rng: random.Random, out: Path) -> list[dict]:
    """N one-loan borrowers cloned from the demo rows, written as an import CSV."""
    import csv

    rows = [r for group in demo_borrowers() for r in group]
    written, seen = [], set()
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for i in range(n):
            row = dict(rng.choice(rows))
            phone = unique_phone(row["phone"], i, row["jurisdiction"])
            while phone in seen:
                phone = unique_phone(row["phone"], i + rng.randrange(10**6), row["jurisdiction"])
            seen.add(phone)
            due = START.date() + timedelta(days=rng.randint(-20, max(days // 2, 1)))
            row.update(loan_id=f"LN-{70000 + i}", borrower_id=f"SIMB-{i}", phone=phone, email="",
                       telegram_user_id="", due_date=due.isoformat())
            writer.writerow(row)
            written.append(row)
    return written


def people_of(rows: list[dict], rng: random.Random) -> dict[str, Borrower]:
    names, weights = list(MIX), list(MIX.values())
    out = {}
    for row in rows:
        total = sum(Decimal(row[c]) for c in ("outstanding_principal", "accrued_interest", "late_fees"))
        loan = PersonaLoan(row["loan_id"], date.fromisoformat(row["date_of_birth"]), row["currency"], total)
        out[row["loan_id"]] = Borrower(row["loan_id"], row["phone"], rng.choices(names, weights)[0], loan)
    return out


# --- the borrowers' side -----------------------------------------------------------

class Sms:
    """Posts the borrower's SMS to Rasa's Twilio webhook, signed, and reads the bot's answers off the fake."""

    def __init__(self, fake, webhook_url: str):
        self.fake, self.url = fake, webhook_url

    def say(self, phone: str, text: str) -> str:
        from bot.channels.providers.twilio import compute_signature

        sid = "SM" + secrets.token_hex(16)
        form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.fake.account_sid, "From": phone,
                "To": SMS_FROM, "Body": text, "NumMedia": "0"}
        mark = len(self.fake.messages)
        answer = requests.post(self.url, data=form, timeout=120,
                               headers={"X-Twilio-Signature": compute_signature(self.fake.auth_token, self.url, form)})
        answer.raise_for_status()
        return "\n".join(m["form"]["Body"] for m in self.fake.messages[mark:] if m["form"]["To"] == phone)


def classify(text: str) -> Reply:
    """bench/personas.read_reply, plus the greeting of a conversation still verified from an earlier
    day ("Welcome back", or the statement straight away), which the personas would otherwise answer
    with their identity again and again."""
    reply = read_reply(text)
    if reply.kind in ("other", "options") and _STILL_VERIFIED.search(text):
        return Reply("verified", text)
    return reply


def converse(sms: Sms, person: Borrower, seed: int) -> tuple[int, bool, str | None]:
    """(borrower messages, an answer came back, error) of one SMS conversation."""
    rng = random.Random(seed)
    nature = NATURES[person.persona]
    turns, answered = 0, False
    try:
        if rng.random() < nature.stop:
            return 1, bool(sms.say(person.phone, rng.choice(["STOP", "stop", "Stop"]))), None
        script = PERSONAS[person.persona](rng, person.loan)
        message = next(script)
        while turns < MAX_TURNS:
            turns += 1
            text = sms.say(person.phone, message)
            answered = answered or bool(text.strip())
            message = script.send(classify(text))
    except StopIteration:
        pass
    except (requests.RequestException, OSError) as exc:
        return turns, answered, f"{type(exc).__name__}: {exc}"
    return turns, answered, None


def received(world: World, factory, now: datetime) -> None:
    """Who got a campaign SMS at `now` decides whether and when to answer (or to just pay)."""
    from sqlalchemy import select

    from bot.records.db import transaction
    from bot.records.models import Loan, OutboundSend

    with transaction(factory) as session:
        rows = session.execute(select(Loan.loan_id, Loan.status, Loan.due_date, OutboundSend.step)
                               .join(OutboundSend, OutboundSend.loan_pk == Loan.id)
                               .where(OutboundSend.sent_at == now, OutboundSend.status == "sent")).all()
    for loan_id, status, due, step in rows:
        person, rng = world.people[loan_id], world.rng
        nature = NATURES[person.persona]
        world.counts[f"sent:{step}"] += 1
        if step.startswith("reminder") and rng.random() < nature.pays_off and loan_id not in world.payoffs:
            world.payoffs[loan_id] = max(due, now.date())
            continue
        if status in ("promise_pending", "in_arrangement", "paid") or loan_id in world.pending:
            continue
        if rng.random() < nature.reply:
            world.pending[loan_id] = now + timedelta(hours=rng.uniform(*nature.delay))


def talk(world: World, sms: Sms, now: datetime) -> None:
    """The answers due by now, at most MAX_CONVERSATIONS_PER_STEP of them (the rest wait for the next step)."""
    for loan_id, at in list(world.pending.items()):
        if at + PATIENCE < now:
            del world.pending[loan_id]
            world.counts["answers_given_up"] += 1
    day = (now - START).days + 1
    paced = min(world.budget * day // world.days, world.budget)  # spread evenly over the days
    allowed = min(MAX_CONVERSATIONS_PER_STEP, max(paced - world.counts["conversations"], 0))
    due = sorted((at, loan_id) for loan_id, at in world.pending.items() if at <= now)[:allowed]
    if not due:
        return
    jobs = [(world.people[loan_id], world.rng.randrange(2**31)) for _, loan_id in due]
    for _, loan_id in due:
        del world.pending[loan_id]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda job: converse(sms, *job), jobs))
    for (person, _), (turns, answered, error) in zip(jobs, results):
        person.replied_at = now
        world.counts["conversations"] += 1
        world.counts["borrower_messages"] += turns
        world.counts["conversations_answered"] += answered
        if error:
            world.counts["conversation_errors"] += 1
            print(f"    conversation error ({person.persona}): {error}", file=sys.stderr)


def plan_payments(world: World, factory, today: date) -> list[tuple[str, Decimal, str, str]]:
    """(loan id, amount, currency, reference) to pay today: instalments per nature, and pay-offs."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from bot.records.db import transaction
    from bot.records.models import Arrangement, Loan
    from bot.records.queries import balance

    out = []
    with transaction(factory) as session:
        active = session.execute(select(Arrangement).where(Arrangement.status == "active")
                                 .options(selectinload(Arrangement.schedule), selectinload(Arrangement.loan))).scalars()
        for arr in active:
            nature = NATURES[world.people[arr.loan.loan_id].persona]
            for s in arr.schedule:
                key = (arr.id, s.seq)
                if key not in world.payments:
                    r = world.rng.random()
                    world.payments[key] = (s.due_date - timedelta(days=world.rng.randint(0, 1)) if r < nature.on_time
                                           else s.due_date + timedelta(days=world.rng.randint(1, 6))
                                           if r < nature.on_time + nature.late else None)
                if world.payments[key] == today:
                    out.append((arr.loan.loan_id, Decimal(s.amount), arr.loan.currency, f"SIMPAY-{arr.id}-{s.seq}"))
        for loan_id, day in list(world.payoffs.items()):
            if day == today:
                loan = session.execute(select(Loan).where(Loan.loan_id == loan_id)).scalar_one()
                if balance(loan) > 0:
                    out.append((loan_id, balance(loan), loan.currency, f"SIMPAY-{loan_id}-off"))
                del world.payoffs[loan_id]
    return out


def pay(world: World, web_url: str, secret: str, factory, now: datetime) -> None:
    """The payment provider's signed callback, paid_at = simulated now (the web server reads the same clock)."""
    from bot.web.payment_signature import header_value

    for loan_id, amount, currency, reference in plan_payments(world, factory, now.date()):
        body = json.dumps({"reference": reference, "loan_id": loan_id, "amount": str(amount), "currency": currency,
                           "paid_at": now.isoformat()}).encode()
        answer = requests.post(f"{web_url}/api/payments", data=body, timeout=60, headers={
            "Content-Type": "application/json", "X-Payment-Signature": header_value(secret, int(time.time()), body)})
        if answer.status_code in (200, 201):
            world.counts["payments"] += 1
        else:
            world.counts["payments_refused"] += 1
            print(f"    payment {reference} refused: {answer.status_code} {answer.text[:200]}", file=sys.stderr)


# --- what the records say ----------------------------------------------------------

def snapshot(factory, start_balance: dict[str, Decimal], day: date) -> dict:
    """Collected share (each loan weighs its share of its own starting balance) and loans per stage."""
    from sqlalchemy import func, select

    from bot.records.db import transaction
    from bot.records.models import Loan, Payment

    with transaction(factory) as session:
        stages = dict(session.execute(select(Loan.stage, func.count()).group_by(Loan.stage)).all())
        paid = defaultdict(Decimal)
        for loan_id, amount, reverses in session.execute(
                select(Loan.loan_id, Payment.amount, Payment.reverses).join(Payment, Payment.loan_pk == Loan.id)):
            paid[loan_id] += -Decimal(amount) if reverses else Decimal(amount)
    share = sum(min(paid[k] / v, Decimal(1)) for k, v in start_balance.items() if v > 0) / max(len(start_balance), 1)
    return {"day": day.isoformat(), "collected_share": float(share), "stages": stages,
            "collected": {k: str(v) for k, v in paid.items()}}


def totals(factory) -> dict:
    from sqlalchemy import func, select

    from bot.records.db import transaction
    from bot.records.models import Arrangement, Handoff, OutboundSend

    with transaction(factory) as session:
        sends = session.execute(select(OutboundSend.channel, OutboundSend.step, OutboundSend.status, func.count())
                                .group_by(OutboundSend.channel, OutboundSend.step, OutboundSend.status)).all()
        arrangements = dict(session.execute(select(Arrangement.status, func.count()).group_by(Arrangement.status)).all())
        reasons = session.execute(select(Handoff.reason)).scalars().all()
    return {"sends": [(c or "-", s, st, n) for c, s, st, n in sends], "arrangements": arrangements,
            "legal_reviews": sum(1 for r in reasons if r.startswith("legal review")),
            "handoffs": sum(1 for r in reasons if not r.startswith("legal review"))}


# --- the run ------------------------------------------------------------------------

def environment(var: Path, ports: dict, fake) -> dict[str, str]:
    """What every server and the in-process job read: the clock file, the fake Twilio, the secrets."""
    rasa = f"http://127.0.0.1:{ports['rasa']}"
    return {"BOT_NOW_FILE": str(var / "now.txt"), "DATABASE_URL": f"sqlite:///{var / 'bot.db'}",
            "TWILIO_BASE_URL": fake.base_url, "TWILIO_ACCOUNT_SID": fake.account_sid,
            "TWILIO_AUTH_TOKEN": fake.auth_token, "TWILIO_SMS_FROM": SMS_FROM,
            "TWILIO_WEBHOOK_URL": f"{rasa}/webhooks/twilio/webhook", "PAYMENT_WEBHOOK_SECRET": secrets.token_urlsafe(24),
            "SMS_PROVIDER": "twilio", "AUDIT_ANCHOR_FILE": str(var / "audit-anchors.jsonl")}


def simulate(args, var: Path) -> dict:
    from bot.campaigns.run import run
    from bot.channels.sms_config import credentials_with_sms
    from bot.launch import start
    from bot.records.cli import main as records_cli
    from bot.records.db import make_engine, make_session_factory
    from tests.support.fake_providers import FakeProviders

    started = time.monotonic()
    rng = random.Random(args.seed)
    fake = FakeProviders().start()
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    for name in ("AT_API_KEY", "AT_USERNAME", "TWILIO_WHATSAPP_FROM", "SMTP_HOST", "TELEGRAM_TOKEN", "BOT_NOW"):
        os.environ.pop(name, None)  # SMS through the fake only
    os.environ.update(environment(var, ports, fake))
    clock_file = Path(os.environ["BOT_NOW_FILE"])
    clock_file.write_text(START.isoformat())
    rows = clone(args.loans, args.days, rng, var / "portfolio.csv")
    if records_cli(["migrate"]) != 0 or records_cli(["import", str(var / "portfolio.csv")]) != 0:
        raise SystemExit("could not import the simulated portfolio")
    world = World(people_of(rows, rng), rng, days=args.days,
                  budget=min(CONVERSATION_BUDGET, max(args.loans * args.days // 240, args.loans)))
    start_balance = {p.loan_id: p.loan.total for p in world.people.values()}
    credentials = credentials_with_sms(ROOT / "credentials.yml", var / "credentials.yml", os.environ)
    print(f"==> starting the stack in {var}", file=sys.stderr, flush=True)
    stack = start(model=MODEL, database_url=os.environ["DATABASE_URL"], tracker_url=f"sqlite:///{var / 'tracker.db'}",
                  var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports, credentials=credentials)
    factory = make_session_factory(make_engine(os.environ["DATABASE_URL"]))
    sms = Sms(fake, os.environ["TWILIO_WEBHOOK_URL"])
    outcome_totals: Counter = Counter()
    try:
        steps = int(timedelta(days=args.days) / STEP)
        for i in range(steps + 1):
            now = START + i * STEP
            clock_file.write_text(now.isoformat())
            if now.hour == 0:
                world.daily.append(snapshot(factory, start_balance, now.date()))
                phases = ", ".join(f"{k} {v:.0f} s" for k, v in world.timing.items())
                print(f"    day {i * STEP / timedelta(days=1):.0f}/{args.days}: {world.counts['conversations']} "
                      f"conversations, {world.counts['borrower_messages']} borrower messages; {phases}; "
                      f"{time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            mark = time.monotonic()
            outcome = run(factory, now)  # the Huey task's function (bot/campaigns/tasks.py run_due)
            outcome_totals.update({k: v for k, v in outcome.as_dict().items() if isinstance(v, int)})
            received(world, factory, now)
            world.timing["campaign job"] += time.monotonic() - mark
            mark = time.monotonic()
            talk(world, sms, now)
            world.timing["conversations"] += time.monotonic() - mark
            if now.hour == 12:
                mark = time.monotonic()
                pay(world, stack.web_url, os.environ["PAYMENT_WEBHOOK_SECRET"], factory, now)
                world.timing["payments"] += time.monotonic() - mark
        world.counts["bot_sms"] = sum(1 for m in fake.messages if m["form"]["Body"]) - sum(
            v for k, v in world.counts.items() if k.startswith("sent:"))
    finally:
        stack.stop()
        fake.stop()
    from bench.sim_check import check

    violations = check(os.environ["DATABASE_URL"])
    return {"world": world, "totals": totals(factory), "violations": violations, "outcome": outcome_totals,
            "seconds": time.monotonic() - started}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=1000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for simulate.md and simulate.png")
    args = parser.parse_args(argv)
    if args.loans < 1 or args.days < 1:
        parser.error("--loans and --days must be at least 1")
    var = Path(tempfile.mkdtemp(prefix="simulate-"))
    try:
        result = simulate(args, var)
    finally:
        if not args.keep:
            shutil.rmtree(var, ignore_errors=True)
        else:
            print(f"==> kept {var}", file=sys.stderr)
    from bench.sim_report import summary, write_report

    line = summary(args, result)
    write_report(Path(args.out), args, result, line)
    print(json.dumps(line))
    return 1 if result["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
