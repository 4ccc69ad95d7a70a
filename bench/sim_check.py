"""The independent checker of a simulated (or real) contact history: did any message break the profiles?

It re-reads what happened from the records alone (SQLAlchemy Core on
audit_entries, contact_events, loans and borrowers) and the rules from
config/compliance.yml (yaml.safe_load), and replays them in audit order. It
imports nothing of bot.compliance, bot.campaigns or bot.dialogue on purpose:
the guard's own verdicts are what is being checked, so they cannot be the
evidence. Rules replayed, for every proactive message (audit `message_out`
with payload source "campaign"):

- contact_window: sent inside the profile's hours, in the borrower's local time;
- frequency_cap: no rolling window (all channels, per borrower) already full;
- conversation_cooldown: no conversation (contact_events direction "in")
  within the profile's cool-down before it;
- opted_out_channel / cease_contact: not on a channel the borrower had opted
  out of, nor after cease-contact (audit contact_preferences changes, by time);
- paused: not while the loan was disputed or paused (loan_status changes) or in
  legal_review (loan_stage changes);

and, for every message (proactive or in a conversation before its
`verification_passed`): no amount (a currency code, or a currency symbol
with digits) - identity before disclosure.

A borrower covered by a sub-jurisdiction ("US-MA") gets its parent ("US") too,
strictest value winning, as the law stacks them. When a conversation and a send
carry the same timestamp the conversation is taken to come after the send.

Usage: python bench/sim_check.py sqlite:///path/bot.db   (prints the violations; exit 1 if any)
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import MetaData, Table, create_engine, select

ROOT = Path(__file__).resolve().parents[1]
COMPLIANCE = ROOT / "config" / "compliance.yml"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PAUSED_STATUSES = ("disputed", "paused")
CURRENCY_CODES = ("KES", "NGN", "USD", "GBP", "EUR", "INR", "PHP", "IDR", "CNY", "RMB", "UGX", "TZS", "ZAR", "GHS")
_AMOUNT = re.compile(r"\b(" + "|".join(CURRENCY_CODES) + r")\b|[$£€₦₹₱¥]\s?\d|\d\s?(?:/=|bob\b)")


@dataclass(frozen=True)
class Violation:
    rule: str
    loan: str | None
    at: datetime
    detail: str


@dataclass(frozen=True)
class Rules:
    """One borrower's effective profile: windows per weekday (None = closed), caps, cool-down."""
    windows: tuple[tuple[time, time] | None, ...]
    caps: tuple[tuple[int, int], ...]  # (count, window_days)
    cooldown_days: int


def _window(text: str) -> tuple[time, time] | None:
    if text.strip() == "closed":
        return None
    start, end = text.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def _profile_windows(profile: dict) -> list[tuple[time, time] | None]:
    spec = profile["contact_window"]
    return [_window(spec.get(day, spec.get("all", "closed"))) for day in DAYS]


def rules_for(jurisdiction: str, profiles: dict) -> Rules:
    """Strictest of the jurisdiction's profile and its parent's (US-MA -> US + US-MA); DEFAULT when unknown."""
    names = [jurisdiction] if jurisdiction in profiles else ["DEFAULT"]
    parent = jurisdiction.split("-")[0]
    if parent != jurisdiction and parent in profiles:
        names.insert(0, parent)
    chosen = [profiles[n] for n in names]
    windows = []
    for day in range(7):
        spans = [_profile_windows(p)[day] for p in chosen]
        if any(s is None for s in spans):
            windows.append(None)
            continue
        start, end = max(s[0] for s in spans), min(s[1] for s in spans)
        windows.append((start, end) if start < end else None)
    caps = tuple((int(c["count"]), int(c["window_days"])) for p in chosen for c in p.get("frequency_caps", ()))
    cooldown = max(int(p.get("cooldown_days_after_conversation", 0)) for p in chosen)
    return Rules(tuple(windows), caps, cooldown)


def mentions_amount(text: str) -> bool:
    return bool(_AMOUNT.search(text or ""))


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


class _State:
    """What the audit said so far: preferences, loan status and stage, sends, verified conversations."""

    def __init__(self, statuses: dict[str, str], stages: dict[str, str]):
        self.opted: dict[str, set[str]] = {}
        self.cease: dict[str, bool] = {}
        self.status, self.stage = statuses, stages
        self.sends: dict[str, list[datetime]] = {}
        self.verified: dict[str, int] = {}      # conversation -> seq of its verification_passed
        self.last_in: dict[str, int] = {}       # conversation -> seq of its last message_in

    def change(self, entry) -> None:
        payload = entry.payload or {}
        what = payload.get("change")
        if what == "contact_preferences":
            after = payload.get("to") or {}
            self.opted[entry.borrower_id] = {c.lower() for c in after.get("opted_out_channels") or ()}
            self.cease[entry.borrower_id] = bool(after.get("cease_contact"))
        elif what == "loan_status" and entry.loan_id:
            self.status[entry.loan_id] = payload.get("to")
        elif what == "loan_stage" and entry.loan_id:
            self.stage[entry.loan_id] = payload.get("to")
        elif isinstance(payload.get("loan_status"), dict) and entry.loan_id:
            self.status[entry.loan_id] = payload["loan_status"].get("to")


def _first_values(engine, column: str) -> dict[str, str]:
    """Each loan's status or stage before its first audited change (what the import wrote)."""
    meta = MetaData()
    audit, loans = Table("audit_entries", meta, autoload_with=engine), Table("loans", meta, autoload_with=engine)
    first: dict[str, str] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(audit.c.loan_id, audit.c.payload).where(
                audit.c.kind == "record_change").order_by(audit.c.seq)):
            payload = row.payload or {}
            value = None
            if payload.get("change") == column:
                value = payload.get("from")
            elif column == "loan_status" and isinstance(payload.get("loan_status"), dict):
                value = payload["loan_status"].get("from")
            if value is not None and row.loan_id and row.loan_id not in first:
                first[row.loan_id] = value
        current = "status" if column == "loan_status" else "stage"
        for row in conn.execute(select(loans.c.loan_id, loans.c[current])):
            first.setdefault(row.loan_id, row[1])
    return first


def check(engine_or_url, compliance_path: Path = COMPLIANCE) -> list[Violation]:
    """Every violation in the records, in the order it happened."""
    engine = create_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    profiles = yaml.safe_load(Path(compliance_path).read_text(encoding="utf-8"))["profiles"]
    meta = MetaData()
    tables = {n: Table(n, meta, autoload_with=engine) for n in ("audit_entries", "contact_events", "borrowers")}
    b, ce, audit = tables["borrowers"], tables["contact_events"], tables["audit_entries"]
    with engine.connect() as conn:
        people = {r.borrower_id: r for r in conn.execute(select(b.c.id, b.c.borrower_id, b.c.timezone,
                                                                b.c.jurisdiction))}
        pk_to_id = {r.id: r.borrower_id for r in people.values()}
        conversations: dict[str, list[datetime]] = {}
        for row in conn.execute(select(ce.c.borrower_pk, ce.c.at).where(ce.c.direction == "in").order_by(ce.c.at)):
            conversations.setdefault(pk_to_id.get(row.borrower_pk), []).append(_utc(row.at))
        entries = conn.execute(select(audit.c.seq, audit.c.at, audit.c.kind, audit.c.loan_id, audit.c.borrower_id,
                                      audit.c.conversation_id, audit.c.payload).order_by(audit.c.seq)).all()
    state = _State(_first_values(engine, "loan_status"), _first_values(engine, "loan_stage"))
    rules_cache: dict[str, Rules] = {}
    found: list[Violation] = []
    for entry in entries:
        payload = entry.payload or {}
        if entry.kind == "record_change":
            state.change(entry)
        elif entry.kind == "verification_passed" and entry.conversation_id:
            state.verified[entry.conversation_id] = entry.seq
        elif entry.kind == "verification_expired" and entry.conversation_id:
            # audited after the turn's handler: only a verification from an earlier turn expires
            if state.verified.get(entry.conversation_id, -1) < state.last_in.get(entry.conversation_id, -1):
                state.verified.pop(entry.conversation_id, None)
        elif entry.kind == "message_in" and entry.conversation_id:
            state.last_in[entry.conversation_id] = entry.seq
        elif entry.kind == "message_out" and payload.get("source") == "campaign":
            person = people.get(entry.borrower_id)
            if person is None:
                found.append(Violation("unknown_borrower", entry.loan_id, _utc(entry.at), str(entry.borrower_id)))
                continue
            if person.jurisdiction not in rules_cache:
                rules_cache[person.jurisdiction] = rules_for(person.jurisdiction, profiles)
            found.extend(_proactive(entry, person, rules_cache[person.jurisdiction], state,
                                    conversations.get(entry.borrower_id, [])))
            state.sends.setdefault(entry.borrower_id, []).append(_utc(entry.at))
        elif entry.kind == "message_out" and entry.conversation_id and "source" not in payload:
            if entry.conversation_id not in state.verified and mentions_amount(payload.get("text", "")):
                found.append(Violation("identity_before_disclosure", entry.loan_id, _utc(entry.at),
                                       f"conversation {entry.conversation_id}: {payload.get('text', '')[:120]!r}"))
    return found


def _proactive(entry, person, rules: Rules, state: _State, conversations: list[datetime]) -> list[Violation]:
    at, loan, payload = _utc(entry.at), entry.loan_id, entry.payload or {}
    out = []

    def bad(rule: str, detail: str) -> None:
        out.append(Violation(rule, loan, at, detail))

    local = at.astimezone(ZoneInfo(person.timezone))
    span = rules.windows[local.weekday()]
    if span is None or not span[0] <= local.time() < span[1]:
        bad("contact_window", f"sent {local:%a %H:%M} {person.timezone}; window "
                              f"{'closed' if span is None else f'{span[0]:%H:%M}-{span[1]:%H:%M}'}")
    earlier = state.sends.get(entry.borrower_id, [])
    for count, days in rules.caps:
        made = sum(1 for t in earlier if at - timedelta(days=days) < t <= at)
        if made >= count:
            bad("frequency_cap", f"{made} proactive messages already in the {days} day(s) before; cap {count}")
    i = bisect_left(conversations, at)  # conversations strictly before the send
    if i and rules.cooldown_days and at - conversations[i - 1] < timedelta(days=rules.cooldown_days):
        bad("conversation_cooldown", f"conversation at {conversations[i - 1]:%Y-%m-%d %H:%M} UTC; "
                                     f"cool-down {rules.cooldown_days} day(s)")
    channel = str(payload.get("channel") or "").lower()
    if state.cease.get(entry.borrower_id):
        bad("cease_contact", "the borrower had asked for no contact")
    elif channel in state.opted.get(entry.borrower_id, ()):
        bad("opted_out_channel", f"the borrower had opted out of {channel}")
    if state.status.get(loan) in PAUSED_STATUSES:
        bad("paused", f"loan status {state.status.get(loan)}")
    if state.stage.get(loan) == "legal_review":
        bad("paused", "loan in legal_review")
    if mentions_amount(payload.get("text", "")):
        bad("identity_before_disclosure", f"proactive message names an amount: {payload.get('text', '')[:120]!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python bench/sim_check.py DATABASE_URL", file=sys.stderr)
        return 2
    found = check(args[0])
    for v in found:
        print(f"{v.at:%Y-%m-%d %H:%M} {v.rule} {v.loan}: {v.detail}")
    print(f"{len(found)} violations")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
