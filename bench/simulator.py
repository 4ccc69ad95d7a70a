"""Borrower simulator: personas hold full conversations with the running bot.

Usage::

    python bench/simulator.py                       # 500 conversations, seed 7
    python bench/simulator.py --conversations 50 --seed 3 --workers 2

Starts the whole stack (Rasa, actions, web) with bot.launch.start on free
ports and a fresh temporary database, talks through the REST channel, then
checks every offer the bot showed (the `pending_offer` slots in the action
server's stored results, `action_runs`) and every arrangement it recorded with
bench/limits_check.py: the product limits re-stated from docs/negotiation.md
and config/products.yml, independent of bot.negotiation, so the bot's own idea
of the limits is not what checks it. Writes the per-persona table to
bench/results/simulator.md.

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

@dataclass(frozen=True)
class Violation:
    """One offer shown or one arrangement recorded that breaks a limit (every rule it breaks)."""

    conversation: str
    loan_id: str
    what: str  # "offer shown (action run 12)" or "arrangement 3"
    problems: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.what} in {self.conversation}: " + "; ".join(self.problems)


@dataclass
class LimitCheck:
    """What bench/limits_check.py found: every offer shown and every arrangement recorded."""

    offers: int = 0
    arrangements: int = 0
    violations: list[Violation] = field(default_factory=list)

    def count(self, prefix: str) -> int:
        return sum(1 for v in self.violations if v.what.startswith(prefix))

    def line(self) -> str:
        return (f"offers shown: {self.offers} checked, {self.count('offer')} violations; "
                f"arrangements recorded: {self.arrangements} checked, {self.count('arrangement')} violations "
                f"(bench/limits_check.py, independent of bot.negotiation)")


def shown_offers(runs: list[tuple[int, str, dict]]) -> list[tuple[int, str, str | None, dict]]:
    """(run id, conversation, loan id, offer slot) for every offer the bot put on the table.

    `runs` are the action server's stored results (action_runs: id, conversation, result JSON),
    in the order they ran. Every offer shown is a `pending_offer` slot set to a value; an
    offer on all loans carries one offer per loan in its `all` list ([loan_id, offer]), and its
    top-level terms repeat one of them, so only the list is read. A one-loan offer is for the
    loan the conversation is on: the last `loan` (or `loan_id`) slot an earlier action set.
    """
    current: dict[str, str | None] = {}
    found = []
    for run_id, conversation, result in runs:
        for event in result.get("events") or []:
            if event.get("event") != "slot":
                continue
            name, value = event.get("name"), event.get("value")
            if name == "loan" and isinstance(value, dict) and value.get("loan_id"):
                current[conversation] = value["loan_id"]
            elif name == "loan_id":
                current[conversation] = value if isinstance(value, str) else None
            elif name == "pending_offer" and isinstance(value, dict):
                if value.get("all"):
                    found.extend((run_id, conversation, loan_id, each) for loan_id, each in value["all"])
                else:
                    found.append((run_id, conversation, current.get(conversation), value))
    return found


def _loan_facts(loan) -> dict:
    fees = Decimal(loan.accrued_interest) + Decimal(loan.late_fees)
    return {"balance": Decimal(loan.outstanding_principal) + fees, "fees_and_interest": fees,
            "currency": loan.currency}


def check_limits(session, limits: dict) -> LimitCheck:
    """Every offer shown and every arrangement recorded, checked with bench/limits_check.py.

    "Today" is the borrower's local date when the offer was shown (or the arrangement
    recorded), and the arrangements so far are the loan's arrangements made before then.
    The balances are the loan's as the records hold them at the end of the run: the
    simulator makes no payments, so they are the balances the bot offered on.
    """
    from sqlalchemy import select

    from bench.limits_check import Offer, offer_from_slot, violations
    from bot.records.models import ActionRun, Arrangement, Loan

    check = LimitCheck()
    loans = {loan.loan_id: loan for loan in session.execute(select(Loan)).scalars()}

    def problems(loan, offer: Offer, at, earlier: int) -> list[str]:
        blocks = limits.get(loan.product_code)
        if blocks is None:
            return [f"product: {loan.product_code} is not in config/products.yml"]
        today = at.astimezone(ZoneInfo(loan.borrower.timezone)).date()
        return violations(offer, **_loan_facts(loan), limits=blocks["hardship" if offer.hardship else "standard"],
                          today=today, arrangements_so_far=earlier)

    runs = session.execute(select(ActionRun).order_by(ActionRun.id)).scalars().all()
    at = {run.id: run.at for run in runs}
    for run_id, conversation, loan_id, data in shown_offers([(r.id, r.conversation_id, r.result) for r in runs]):
        check.offers += 1
        loan = loans.get(loan_id or "")
        earlier = 0 if loan is None else sum(1 for other in loan.arrangements if other.created_at < at[run_id])
        found = (problems(loan, offer_from_slot(data), at[run_id], earlier) if loan is not None
                 else [f"loan: no loan {loan_id!r} in the records" if loan_id else
                       "loan: an offer with no verified loan in the conversation"])
        if found:
            check.violations.append(Violation(conversation, loan_id or "?", f"offer shown (action run {run_id})",
                                              tuple(found)))
    for arr in session.execute(select(Arrangement).order_by(Arrangement.id)).scalars():
        check.arrangements += 1
        terms = arr.terms or {}
        offer = Offer(terms.get("offer_kind", arr.kind),
                      tuple((s.due_date, Decimal(s.amount)) for s in arr.schedule),
                      Decimal(terms.get("waiver", "0")), bool(terms.get("hardship")))
        earlier = sum(1 for other in arr.loan.arrangements if other.id < arr.id)
        found = problems(arr.loan, offer, arr.created_at, earlier)
        if found:
            check.violations.append(Violation(terms.get("conversation_id", "?"), arr.loan.loan_id,
                                              f"arrangement {arr.id}", tuple(found)))
    return check


def recorded(database_url: str) -> tuple[dict[str, int], dict[str, list[str]], LimitCheck]:
    """(arrangements per conversation, hand-off reasons per conversation, the limit check)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bench.limits_check import load_limits
    from bot.records.db import make_engine
    from bot.records.models import Arrangement, Handoff

    agreements: dict[str, int] = defaultdict(int)
    handoffs: dict[str, list[str]] = defaultdict(list)
    with Session(make_engine(database_url), future=True) as session:
        for handoff in session.execute(select(Handoff)).scalars():
            handoffs[handoff.conversation_id].append(handoff.reason)
        for arr in session.execute(select(Arrangement)).scalars():
            agreements[(arr.terms or {}).get("conversation_id", "?")] += 1
        check = check_limits(session, load_limits())
    return agreements, handoffs, check


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
          violations: list[Violation]) -> str:
    """Per persona; "limit violations" counts offers shown and arrangements recorded that break a limit."""
    bad = defaultdict(int)
    for v in violations:
        bad[v.conversation] += 1
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
        viol = sum(bad.get(o.sender, 0) for o in rows)
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
    agreements, handoffs, check = recorded(database_url)
    violations = check.violations
    text = table(outcomes, agreements, handoffs, violations)
    turns = sum(o.turns for o in outcomes)
    note = (f"{len(outcomes)} conversations (seed {args.seed}, {args.workers} in flight), {turns} borrower "
            f"messages, {elapsed:.0f} s wall clock ({elapsed / len(outcomes):.2f} s per conversation, "
            f"{elapsed / max(turns, 1):.2f} s per message). Limit violations: {check.line()}.")
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
