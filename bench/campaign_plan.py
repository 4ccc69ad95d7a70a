"""Bench the daily campaign planning (issue 14: 100,000 loans planned in <= 60 s on 2 cores).

    .venv/bin/python bench/campaign_plan.py [--loans 100000] [--date 2026-12-09] [--write]

Builds a portfolio in a fresh temporary SQLite database (SQLAlchemy Core bulk
inserts: the importer checks row by row and would dominate the bench), spread
over the profiles and time zones of data/demo/portfolio.csv and
config/compliance.yml, with instalment plans, promises, payments, recent
contact, opt-outs and cease requests, and loans already in legal review. It is
built as the previous day's run would have left it (stages as stage_for puts
them, loans overdue long enough already in review), so `prepare` does today's
work, not months of catch-up. Then it times the read-only plan (`plan_for`),
the first `prepare` of the day (bookkeeping + stored plan) and a second one an
hour later, which should find nothing to do.

Why figures in a file and not a timed test: timings depend on the machine; a
test asserts what the planner does (tests/unit/bench/test_campaign_plan_bench.py).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time as clock
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.records.db import make_engine, make_session_factory, migrate  # noqa: E402
from bot.records.models import (  # noqa: E402
    Arrangement, Borrower, ContactEvent, Handoff, Loan, Payment, ScheduledPayment,
)
from bot.records.queries import loan_key  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "campaigns.md"
CHANNELS = frozenset({"sms", "whatsapp", "email", "telegram"})
DEFAULT_DATE = date(2026, 12, 9)  # a Wednesday: weekday contact windows everywhere
PRODUCTS = ("WALLET-30", "WALLET-90", "SME-180")
# (jurisdiction, time zone, currency, languages, phone prefix, weight): the demo portfolio's spread.
PLACES = (
    ("KE", "Africa/Nairobi", "KES", ("en", "en", "sw"), "+2547", 20),
    ("US", "America/Chicago", "USD", ("en",), "+1312", 10),
    ("US-MA", "America/New_York", "USD", ("en",), "+1617", 8),
    ("UK", "Europe/London", "GBP", ("en-GB",), "+447", 10),
    ("IN", "Asia/Kolkata", "INR", ("en", "hi"), "+919", 10),
    ("CN", "Asia/Shanghai", "CNY", ("zh-CN",), "+8613", 8),
    ("PH", "Asia/Manila", "PHP", ("en", "fil"), "+639", 10),
    ("ID", "Asia/Jakarta", "IDR", ("id",), "+628", 10),
    ("NG", "Africa/Lagos", "NGN", ("en",), "+2348", 12),
    ("DEFAULT", "Pacific/Kiritimati", "AUD", ("en",), "+686", 2),
)
GRACE = {"WALLET-30": 3, "WALLET-90": 5, "SME-180": 5}  # config/campaigns.yml
REVIEW_AFTER = 90  # config/campaigns.yml legal_review.days_overdue_without_contact
FOLLOW_UP_DAYS = 2  # the last follow_up step's offset
CHUNK = 20_000


def utc(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


@dataclass
class Portfolio:
    """Rows per table, ready for Core inserts (ids assigned here so rows can refer to each other)."""

    borrowers: list
    loans: list
    arrangements: list
    schedule: list
    payments: list
    contacts: list
    handoffs: list

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.__dict__.items()}


def _borrower(i: int, rng: random.Random, created: datetime) -> dict:
    juris, tz, _cur, langs, prefix, _w = rng.choices(PLACES, weights=[p[-1] for p in PLACES])[0]
    roll = rng.random()
    opted = [] if roll > 0.03 else rng.choice([["sms"], ["sms", "whatsapp"], ["email"], sorted(CHANNELS)])
    return dict(id=i, borrower_id=f"BB-{i:07d}", full_name=f"Borrower {i}", phone=f"{prefix}{i:08d}"[:16],
                date_of_birth=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), timezone=tz, jurisdiction=juris,
                email=f"b{i}@example.com" if rng.random() < 0.7 else None,
                telegram_user_id=7_000_000_000 + i if rng.random() < 0.3 else None,
                language=rng.choice(langs), cease_contact=rng.random() < 0.005, opted_out_channels=opted,
                created_at=created, updated_at=created)


def build(n_loans: int, day: date, seed: int = 14) -> Portfolio:
    """A portfolio of `n_loans` as the run of the day before `day` would have left it."""
    rng = random.Random(seed)
    imported = utc(day - timedelta(days=130))
    currency = {p[0]: p[2] for p in PLACES}
    p = Portfolio([], [], [], [], [], [], [])
    n_borrowers = max(1, n_loans * 4 // 5)
    for b in range(1, n_borrowers + 1):
        p.borrowers.append(_borrower(b, rng, imported))
    heard = set()
    for b in p.borrowers:  # inbound: a conversation in the last three weeks, or long ago
        if rng.random() < 0.12:
            heard.add(b["id"])
            at = utc(day) - timedelta(days=rng.choice((rng.uniform(0.5, 20), rng.uniform(40, 120))))
            p.contacts.append(dict(borrower_pk=b["id"], channel="telegram", direction="in", kind="conversation", at=at))
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):  # outbound attempts in the last week
            at = utc(day) - timedelta(days=rng.uniform(0.2, 7))
            p.contacts.append(dict(borrower_pk=b["id"], channel="sms", direction="out", kind="campaign", at=at))
    for pk in range(1, n_loans + 1):
        b = p.borrowers[(pk - 1) % n_borrowers if pk <= n_borrowers else rng.randrange(n_borrowers)]
        _loan(p, rng, pk, b, day, imported, currency[b["jurisdiction"]], b["id"] in heard)
    return p


def _loan(p: Portfolio, rng: random.Random, pk: int, b: dict, day: date, imported: datetime,
          cur: str, heard: bool) -> None:
    product = rng.choice(PRODUCTS)
    grace = GRACE[product]
    due = day + timedelta(days=rng.randint(-100, 10))
    gross = Decimal(rng.randrange(2_000, 200_000)) / 10
    loan = dict(id=pk, loan_id=f"BL-{pk:07d}", loan_key=loan_key(f"BL-{pk:07d}"), borrower_pk=b["id"],
                currency=cur, principal=gross, outstanding_principal=gross, accrued_interest=Decimal("0"),
                late_fees=Decimal("0"), due_date=due, product_code=product, status="overdue",
                balances_as_of=imported, created_at=imported, updated_at=imported, planned_on=day - timedelta(1))
    roll, first_payment = rng.random(), len(p.payments)
    if roll < 0.15 and due < day:
        _plan(p, rng, loan, day, grace, kind="instalment_plan")
    elif roll < 0.19 and due < day:
        _plan(p, rng, loan, day, grace, kind="promise_to_pay")
    elif roll < 0.25 and due < day + timedelta(days=3):
        _pay(p, pk, gross, utc(day - timedelta(days=rng.randint(0, 20)), 6), cur)
        loan["status"] = "paid"
    elif roll < 0.35:
        _pay(p, pk, (gross / 4).quantize(Decimal("0.01")), utc(day - timedelta(days=rng.randint(1, 60)), 6), cur)
    elif roll < 0.36:
        loan["status"] = rng.choice(("disputed", "paused"))
    overdue = (day - loan["due_date"]).days
    if loan["status"] == "overdue" and overdue >= REVIEW_AFTER and not heard:
        loan["stage"] = "legal_review"  # yesterday's run sent it to the review queue
        p.handoffs.append(dict(loan_pk=pk, borrower_pk=b["id"], conversation_id=f"legal-review:{loan['loan_id']}",
                               reason="legal review: days overdue without contact", status="open",
                               summary={"kind": "legal_review"}, created_at=imported, updated_at=imported))
    else:
        last_paid = max((x["paid_at"] for x in p.payments[first_payment:]), default=None)
        loan["stage"] = _stage(loan, day, heard, last_paid and last_paid.astimezone(ZoneInfo(b["timezone"])).date())
    p.loans.append(loan)


def _stage(loan: dict, day: date, heard: bool, paid_on: date | None) -> str:
    """bot.records.stages.stage_for, for the facts the builder made."""
    if loan["status"] == "paid":
        return "follow_up" if day <= paid_on + timedelta(days=FOLLOW_UP_DAYS) else "closed"
    if loan["status"] != "overdue" or heard:
        return "negotiation"
    return "reminder" if day <= loan["due_date"] else "contact"


def _pay(p: Portfolio, loan_pk: int, amount: Decimal, at: datetime, cur: str) -> None:
    p.payments.append(dict(reference=f"PAY-{loan_pk}-{len(p.payments)}", loan_pk=loan_pk, amount=amount,
                           currency=cur, paid_at=at, recorded_at=at))


def _plan(p: Portfolio, rng: random.Random, loan: dict, day: date, grace: int, kind: str) -> None:
    """An instalment plan (3 weekly or fortnightly dates) or a promise, paid on time so far, or broken."""
    made = day - timedelta(days=rng.randint(1, 40))
    created = utc(made, 5)
    step = rng.choice((7, 14))
    dates = [made + timedelta(days=rng.randint(1, 6) + step * k) for k in range(3 if kind == "instalment_plan" else 1)]
    gross = loan["outstanding_principal"]
    part = (gross / len(dates)).quantize(Decimal("0.01"))
    amounts = [part] * (len(dates) - 1) + [gross - part * (len(dates) - 1)]
    arr_id = len(p.arrangements) + 1
    status, missed = "active", False
    for seq, (due, amount) in enumerate(zip(dates, amounts), 1):
        p.schedule.append(dict(arrangement_id=arr_id, seq=seq, due_date=due, amount=amount))
        if missed or due >= day:
            continue
        if rng.random() < 0.12:  # not paid: broken once its date + grace is past (yesterday's run saw it)
            missed = True
            status = "broken" if day > due + timedelta(days=grace + 1) else "active"
            continue
        paid_on = max(made, due - timedelta(days=rng.randint(0, 2)))  # after it was agreed
        _pay(p, loan["id"], amount, utc(paid_on, 6), loan["currency"])
    if not missed and dates[-1] < day:
        status = "kept"  # every date paid: yesterday's run kept it and the loan is paid
        loan["status"] = "paid"
    p.arrangements.append(dict(id=arr_id, loan_pk=loan["id"], kind=kind, status=status, terms={},
                               actor="bot", idempotency_key=f"arr-{arr_id}", created_at=created, updated_at=created))
    if status == "active":
        loan["status"] = "in_arrangement" if kind == "instalment_plan" else "promise_pending"


def create_database(url: str, portfolio: Portfolio):
    """Migrate, bulk insert, and return a session factory."""
    migrate(url)
    engine = make_engine(url)
    tables = [(Borrower, portfolio.borrowers), (Loan, portfolio.loans), (Arrangement, portfolio.arrangements),
              (ScheduledPayment, portfolio.schedule), (Payment, portfolio.payments),
              (ContactEvent, portfolio.contacts), (Handoff, portfolio.handoffs)]
    with engine.begin() as conn:
        for model, rows in tables:
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(model.__table__), rows[start:start + CHUNK])
    return make_session_factory(engine)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def warm_up() -> float:
    """Load the configuration and the compliance text check's encoders (MiniLM, e5) once."""
    from bot.compliance.language import check_text_for_profile
    from bot.compliance.profiles import get_profile
    from bot.config.campaigns import load_campaigns

    started = clock.perf_counter()
    load_campaigns()
    check_text_for_profile("Hello, this is Tawi. Please reply when you can.", get_profile("KE"))
    check_text_for_profile("Habari, huyu ni Tawi. Tafadhali jibu.", get_profile("KE"))
    return clock.perf_counter() - started


def bench(n_loans: int, day: date, workdir: str) -> dict:
    from bot.campaigns.run import plan_for, prepare

    out: dict = {"loans": n_loans, "date": day.isoformat()}
    started = clock.perf_counter()
    portfolio = build(n_loans, day)
    factory = create_database(f"sqlite:///{Path(workdir) / 'bench.db'}", portfolio)
    out["rows"] = portfolio.counts()
    out["build_s"] = clock.perf_counter() - started
    del portfolio
    out["warm_up_s"] = warm_up()
    runs = []
    started = clock.perf_counter()
    lines = plan_for(factory, day, channels=CHANNELS)
    runs.append(dict(run="plan_for (read-only)", **_lines_summary(lines), seconds=clock.perf_counter() - started,
                     rss=peak_rss_mb()))
    now = datetime.combine(day, time(8), tzinfo=timezone.utc)  # `day` in every zone, UTC-6 to UTC+14
    for label, at in (("prepare, first run of the day", now), ("prepare, an hour later", now + timedelta(hours=1))):
        started = clock.perf_counter()
        outcome = prepare(factory, at, channels=CHANNELS)
        runs.append(dict(run=label, planned=outcome.planned, moved=outcome.moved, dropped=outcome.dropped,
                         rules={}, seconds=clock.perf_counter() - started, rss=peak_rss_mb()))
    assert all(local_date_ok(day, now, tz) for _, tz, *_ in PLACES)
    out["runs"] = runs
    return out


def local_date_ok(day: date, now: datetime, tz: str) -> bool:
    return (now.astimezone(ZoneInfo(tz)).date() == day
            and (now + timedelta(hours=1)).astimezone(ZoneInfo(tz)).date() == day)


def _lines_summary(lines: list[dict]) -> dict:
    status = Counter(line["status"] for line in lines)
    rules = Counter(line["rule"] for line in lines if line["status"] == "dropped")
    return dict(planned=status["planned"] + status["moved"], moved=status["moved"], dropped=status["dropped"],
                rules=dict(rules.most_common()))


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    return f"{os.cpu_count()} cores (nproc {_nproc()}), {cpu}, Python {platform.python_version()}"


def _nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def table(result: dict) -> str:
    n = result["loans"]
    rows = ["| run | seconds | loans/s | lines planned | of which moved | dropped | peak RSS (MB) |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for r in result["runs"]:
        rows.append(f"| {r['run']} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['planned']:,} | "
                    f"{r['moved']:,} | {r['dropped']:,} | {r['rss']:,.0f} |")
    dropped = result["runs"][0]["rules"]
    rules = ", ".join(f"{rule} {count:,}" for rule, count in dropped.items()) or "none"
    return "\n".join(rows) + f"\n\nDropped by rule (read-only plan): {rules}.\n"


def report(result: dict, command: str) -> str:
    rows = ", ".join(f"{name} {count:,}" for name, count in result["rows"].items())
    target = result["runs"][0]["seconds"] <= 60 and result["runs"][1]["seconds"] <= 60
    return (f"# Daily campaign planning, {result['loans']:,} loans (issue 14)\n\n"
            f"Target: 100,000 loans planned in <= 60 s on 2 cores: **{'met' if target else 'MISSED'}** "
            "(the read-only plan and the first prepare of the day).\n\n"
            f"{table(result)}\n"
            f"- Bench date {result['date']} (every borrower's local date: prepare runs at 08:00 and 09:00 UTC).\n"
            f"- Portfolio rows: {rows}; built and inserted in {result['build_s']:.1f} s (not counted).\n"
            f"- Loading the configuration and the compliance text check's encoders (MiniLM, e5), once per "
            f"process: {result['warm_up_s']:.1f} s (not counted).\n"
            "- Channels: sms, whatsapp, email, telegram. Temporary SQLite database, one process.\n"
            "- Peak RSS is the process's peak so far (resource.getrusage), so it only grows down the table.\n\n"
            f"Command: `{command}`\n\nMachine: {machine()}\n\n"
            f"Measured: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--date", type=date.fromisoformat, default=DEFAULT_DATE)
    parser.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="campaign-bench-") as workdir:
        result = bench(args.loans, args.date, workdir)
    command = "python bench/campaign_plan.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(result, command.strip())
    print(text)
    if args.write:
        RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
