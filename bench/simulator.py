"""Borrower simulator: personas hold full conversations with the running bot.

Usage::

    python bench/simulator.py                       # 500 conversations, seed 7
    python bench/simulator.py --conversations 50 --seed 3 --workers 2

Starts the whole stack (Rasa, actions, web) with bot.launch.start on free
ports and a fresh temporary database, talks through the REST channel, then
reads every recorded arrangement back from the database and checks it with
bot.negotiation.plans.validate against its product's limits. Writes the
per-persona table to bench/results/simulator.md.

Every conversation gets its own copy of a random demo borrower (same balances,
currency, product, date of birth; new loan and borrower ids), so one
conversation's agreement never uses up the arrangements another one may make,
and the rates measure the dialogue rather than the order of the run.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.personas import PERSONAS, Loan, read_reply  # noqa: E402

DEMO = ROOT / "data" / "demo" / "portfolio.csv"
MODEL = ROOT / "models" / "collections.tar.gz"
RESULTS = ROOT / "bench" / "results" / "simulator.md"
MAX_TURNS = 16
TIMEOUT_S = 60


# --- the portfolio ----------------------------------------------------------------

def demo_borrowers(path: Path = DEMO) -> list[list[dict]]:
    """The demo portfolio's rows grouped by borrower (a borrower may have several loans)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            groups[row["borrower_id"]].append(row)
    return list(groups.values())


def clone_portfolio(n: int, rng: random.Random, out: Path) -> list[list[dict]]:
    """One fresh copy of a random demo borrower per conversation, written as an import CSV."""
    borrowers = demo_borrowers()
    fields = list(borrowers[0][0].keys())
    chosen = []
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i in range(n):
            rows = []
            for k, row in enumerate(rng.choice(borrowers)):
                copy = {**row, "loan_id": f"LN-{60000 + i * 4 + k}", "borrower_id": f"SIM-{i}",
                        "telegram_user_id": "", "email": ""}
                writer.writerow(copy)
                rows.append(copy)
            chosen.append(rows)
    return chosen


def loan_of(rows: list[dict]) -> Loan:
    first = rows[0]
    total = sum(Decimal(first[c]) for c in ("outstanding_principal", "accrued_interest", "late_fees"))
    return Loan(first["loan_id"], date.fromisoformat(first["date_of_birth"]), first["currency"], total,
                tuple(r["loan_id"] for r in rows[1:]))


# --- one conversation ------------------------------------------------------------

@dataclass
class Outcome:
    persona: str
    sender: str
    turns: int = 0
    offers: int = 0
    accepted_at_turn: int | None = None
    offers_before_accept: int | None = None
    error: str | None = None
    seconds: float = 0.0
    transcript: list[tuple[str, str]] = field(default_factory=list)


def post(url: str, sender: str, text: str) -> str:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        replies = json.loads(response.read() or b"[]")
    return "\n".join(r.get("text", "") for r in replies)


def converse(rasa_url: str, persona: str, loan: Loan, seed: int, sender: str) -> Outcome:
    rng = random.Random(seed)
    outcome = Outcome(persona, sender)
    script = PERSONAS[persona](rng, loan)
    started = time.monotonic()
    try:
        message = next(script)
        while outcome.turns < MAX_TURNS:
            outcome.turns += 1
            text = post(f"{rasa_url}/webhooks/rest/webhook", sender, message)
            outcome.transcript.append((message, text))
            reply = read_reply(text)
            if reply.kind == "offer":
                outcome.offers += 1
            if reply.kind == "accepted" and outcome.accepted_at_turn is None:
                outcome.accepted_at_turn = outcome.turns
                outcome.offers_before_accept = outcome.offers
            message = script.send(reply)
    except StopIteration:
        pass
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    outcome.seconds = time.monotonic() - started
    return outcome


# --- reading the records back ----------------------------------------------------

def recorded(database_url: str) -> tuple[dict[str, int], dict[str, list[str]], list[str]]:
    """(arrangements per conversation, hand-off reasons per conversation, limit violations)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.negotiation.limits import limits_for, load_products
    from bot.negotiation.plans import Instalment, Offer, validate
    from bot.records.db import make_engine
    from bot.records.models import Arrangement, Handoff

    products = load_products(ROOT / "config" / "products.yml")
    agreements: dict[str, int] = defaultdict(int)
    handoffs: dict[str, list[str]] = defaultdict(list)
    violations: list[str] = []
    with Session(make_engine(database_url), future=True) as session:
        for handoff in session.execute(select(Handoff)).scalars():
            handoffs[handoff.conversation_id].append(handoff.reason)
        arrangements = session.execute(select(Arrangement).order_by(Arrangement.id)).scalars().all()
        for arr in arrangements:
            loan = arr.loan
            terms = arr.terms or {}
            agreements[terms.get("conversation_id", "?")] += 1
            tz = ZoneInfo(loan.borrower.timezone)
            today = arr.created_at.astimezone(tz).date()
            earlier = sum(1 for other in loan.arrangements if other.id < arr.id)
            offer = Offer(terms.get("offer_kind", arr.kind),
                          tuple(Instalment(s.due_date, Decimal(s.amount)) for s in arr.schedule),
                          Decimal(terms.get("waiver", "0")), bool(terms.get("hardship")))
            problems = validate(
                offer, balance=Decimal(loan.outstanding_principal) + Decimal(loan.accrued_interest)
                + Decimal(loan.late_fees),
                fees_and_interest=Decimal(loan.accrued_interest) + Decimal(loan.late_fees),
                currency=loan.currency, limits=limits_for(products[loan.product_code], offer.hardship),
                today=today, arrangements_so_far=earlier,
            )
            violations.extend(f"{loan.loan_id} arrangement {arr.id}: {p}" for p in problems)
    return agreements, handoffs, violations


# --- the report -------------------------------------------------------------------

def reasons_table(outcomes: list[Outcome], handoffs: dict[str, list[str]]) -> str:
    """Why conversations went to a person (the first hand-off's recorded reason), per persona."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for o in outcomes:
        if handoffs.get(o.sender):
            counts[o.persona][handoffs[o.sender][0]] += 1
    lines = ["| persona | hand-off reasons (first per conversation) |", "|---|---|"]
    for persona in PERSONAS:
        if counts.get(persona):
            ranked = sorted(counts[persona].items(), key=lambda kv: -kv[1])
            lines.append(f"| {persona} | " + "; ".join(f"{reason}: {n}" for reason, n in ranked) + " |")
    return "\n".join(lines)


def table(outcomes: list[Outcome], agreements: dict[str, int], handoffs: dict[str, list[str]],
          violations: list[str], loans_by_sender: dict[str, str]) -> str:
    bad_loans = defaultdict(int)
    for v in violations:
        bad_loans[v.split(" ")[0]] += 1
    lines = ["| persona | conversations | agreement rate | mean turns to agreement | agreed at first offer "
             "| limit violations | hand-offs | errors/timeouts |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    groups = defaultdict(list)
    for o in outcomes:
        groups[o.persona].append(o)
    for persona in list(PERSONAS) + ["all"]:
        rows = outcomes if persona == "all" else groups.get(persona, [])
        if not rows:
            continue
        agreed = [o for o in rows if agreements.get(o.sender)]
        turns = [o.accepted_at_turn for o in agreed if o.accepted_at_turn]
        first = [o for o in agreed if o.offers_before_accept == 1]
        viol = sum(bad_loans.get(loans_by_sender[o.sender], 0) for o in rows)
        handed = sum(1 for o in rows if handoffs.get(o.sender))
        errors = sum(1 for o in rows if o.error)
        mean_turns = f"{sum(turns) / len(turns):.1f}" if turns else "-"
        first_share = f"{len(first) / len(agreed):.0%}" if agreed else "-"
        lines.append(f"| {persona} | {len(rows)} | {len(agreed) / len(rows):.0%} | {mean_turns} | {first_share} "
                     f"| {viol} | {handed} ({handed / len(rows):.0%}) | {errors} |")
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="conversations in flight at once")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--transcripts", help="write every conversation as JSON lines here")
    args = parser.parse_args(argv)
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")

    from bot.launch import start
    from bot.records.cli import main as records_cli

    rng = random.Random(args.seed)
    var = Path(tempfile.mkdtemp(prefix="simulator-"))
    database_url = f"sqlite:///{var / 'bot.db'}"
    os.environ["DATABASE_URL"] = database_url
    portfolio = clone_portfolio(args.conversations, rng, var / "portfolio.csv")
    if records_cli(["import", str(var / "portfolio.csv")]) != 0:
        print("could not import the simulated portfolio", file=sys.stderr)
        return 1
    personas = list(PERSONAS)
    jobs = []
    for i, rows in enumerate(portfolio):
        persona = personas[i % len(personas)]
        jobs.append((persona, loan_of(rows), rng.randrange(2**31), f"sim-{args.seed}-{i}-{persona}"))
    loans_by_sender = {sender: loan.loan_id for _, loan, _, sender in jobs}

    print(f"==> starting the stack in {var}", flush=True)
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    stack = start(model=MODEL, database_url=database_url, tracker_url=f"sqlite:///{var / 'tracker.db'}",
                  var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports)
    started = time.monotonic()
    outcomes: list[Outcome] = []
    try:
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            futures = [pool.submit(converse, stack.rasa_url, p, loan, seed, sender)
                       for p, loan, seed, sender in jobs]
            for n, future in enumerate(futures, 1):
                outcomes.append(future.result())
                if n % 25 == 0 or n == len(futures):
                    elapsed = time.monotonic() - started
                    print(f"    {n}/{len(futures)} conversations, {elapsed:.0f} s", flush=True)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    agreements, handoffs, violations = recorded(database_url)
    text = table(outcomes, agreements, handoffs, violations, loans_by_sender)
    turns = sum(o.turns for o in outcomes)
    note = (f"{len(outcomes)} conversations (seed {args.seed}, {args.workers} in flight), {turns} borrower "
            f"messages, {elapsed:.0f} s wall clock ({elapsed / len(outcomes):.2f} s per conversation, "
            f"{elapsed / max(turns, 1):.2f} s per message). Limit violations: every recorded arrangement "
            f"read back from the database and checked with bot.negotiation.plans.validate "
            f"({sum(agreements.values())} arrangements, {len(violations)} violations).")
    report = f"# Borrower simulator\n\n`python bench/simulator.py --conversations {args.conversations} " \
             f"--seed {args.seed}`\n\n{text}\n\n{note}\n\n{reasons_table(outcomes, handoffs)}\n"
    if violations:
        report += "\nViolations:\n\n" + "\n".join(f"- {v}" for v in violations[:50]) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report, encoding="utf-8")
    if args.transcripts:
        with open(args.transcripts, "w", encoding="utf-8") as handle:
            for o in outcomes:
                handle.write(json.dumps({"persona": o.persona, "sender": o.sender, "error": o.error,
                                         "agreed": bool(agreements.get(o.sender)),
                                         "handoff": bool(handoffs.get(o.sender)),
                                         "transcript": o.transcript}) + "\n")
    print(report)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
