"""What a day holds for each loan: which campaign steps fall due, on which channel, at what
local time, and what the compliance guard says about each.

The plan is for the borrower's calendar date, in their time zone: a D-1 reminder
in Nairobi and one in Boston are planned for the same date and go out at each
one's local send time. Every line passes the same guard as every bot and agent
message (bot.compliance.check_outbound). A line the guard blocks for the hour
(contact window), the count (frequency cap) or a recent conversation is moved
to the next time the guard allows, within a week; a line a standing rule forbids
(cease contact, opt-out on every channel, a dispute, a pause, legal review) is
dropped with the rule and reason. Nothing is silently lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from bot.compliance import check_outbound
from bot.compliance.decision import Decision
from bot.compliance.language import check_text_for_profile
from bot.compliance.outbound import OutboundContext, required_disclosures
from bot.config.bot_file import load_bot
from bot.config.campaigns import Cadence, Step, load_campaigns
from bot.dialogue.messages import render

from .facts import LoanFacts

MOVABLE = ("contact_window", "frequency_cap", "conversation_cooldown")
MOVE_STEP = timedelta(minutes=30)
MOVE_HORIZON = timedelta(days=7)
ADDRESS = {"sms": "phone", "whatsapp": "phone", "email": "email", "telegram": "telegram_user_id"}


@dataclass(frozen=True)
class Line:
    """One planned contact; `status` planned / moved / dropped."""

    loan_id: str
    loan_pk: int
    stage: str
    step: str
    message: str
    channel: str | None
    local_date: date
    send_at: datetime                 # UTC
    local_time: str                   # ISO, in the borrower's zone
    status: str = "planned"
    rule: str | None = None
    reason: str | None = None
    moved_from: str | None = None     # the local time first planned, when moved

    def as_dict(self) -> dict:
        return {"loan_id": self.loan_id, "stage": self.stage, "step": self.step, "message": self.message,
                "channel": self.channel, "local_date": self.local_date.isoformat(),
                "local_send_time": self.local_time, "send_at_utc": self.send_at.isoformat(),
                "status": self.status, "rule": self.rule, "reason": self.reason, "moved_from": self.moved_from}


@dataclass
class TextChecks:
    """The guard's verdict on a text's words, once per (text, profile) for one planning run:
    campaign texts repeat across thousands of loans, the context rules do not."""

    seen: dict = field(default_factory=dict)

    def __call__(self, text: str, profile) -> Decision:
        key = (text, profile.name)
        if key not in self.seen:
            self.seen[key] = check_text_for_profile(text, profile)
        return self.seen[key]


def steps_due(facts: LoanFacts, cadence: Cadence, day: date) -> list[tuple[str, Step]]:
    """(stage, step) pairs whose anchor and offset land on `day` for this loan.

    Each anchor's dates are worked out once per loan, as their distance to `day`, because most
    steps share an anchor and most loans have no step on a given day (the daily plan of a whole
    portfolio asks this of every loan)."""
    due: list[tuple[str, Step]] = []
    offsets: dict[str, set[int]] = {}
    for stage, steps in cadence.stages.items():
        for step in steps:
            landed = offsets.get(step.anchor)
            if landed is None:
                landed = offsets[step.anchor] = {(day - a).days for a in facts.anchors(step.anchor, cadence.grace_days)}
            if step.offset_days in landed:
                due.append((stage, step))
    return due


def compose(message: str, facts: LoanFacts) -> str:
    """The catalogue text of a campaign message (it names nobody and no debt: see docs/campaigns.md)."""
    lender = load_bot().lender
    return render(message, language=facts.language, opener=False, lender=lender.name,
                  assistant=lender.assistant_name, contact=lender.contact)


def context(facts: LoanFacts, channel: str, at: datetime, extra_attempts: tuple[datetime, ...]) -> OutboundContext:
    return OutboundContext(
        jurisdictions=(facts.jurisdiction,), borrower_tz=facts.timezone, now_utc=at, channel=channel,
        is_proactive=True, is_first_message=True, mentions_debt=False, new_demand=False,
        recent_attempts=tuple(facts.recent_attempts) + extra_attempts,
        last_conversation_at=facts.last_conversation_at, cease_contact=facts.cease_contact,
        opted_out_channels=tuple(facts.opted_out_channels), disputed=facts.disputed, paused=facts.paused)


def with_disclosures(text: str, ctx: OutboundContext, language: str = "en") -> str:
    """The text as it goes out: the profile's required disclosures appended word for word,
    in the borrower's language where the profile gives them (else English)."""
    return " ".join([text, *required_disclosures(ctx, language=language)])


def judge(text: str, ctx: OutboundContext, texts: Callable, language: str = "en") -> Decision:
    return check_outbound(with_disclosures(text, ctx, language), ctx, text_check=texts, language=language)


def next_allowed(text: str, ctx: OutboundContext, texts: Callable,
                 language: str = "en") -> tuple[datetime | None, Decision]:
    """The first half-hour within a week at which the guard allows the send (None: not within a week)."""
    at = ctx.now_utc
    last = judge(text, ctx, texts, language)
    while at < ctx.now_utc + MOVE_HORIZON:
        at += MOVE_STEP
        decision = judge(text, replace(ctx, now_utc=at), texts, language)
        if decision.allowed:
            return at, decision
        last = decision
    return None, last


def local_send_time(day: date, send_at: time, tz: str) -> datetime:
    """`send_at` on `day` in the borrower's zone, as UTC (zoneinfo settles DST gaps and folds)."""
    return datetime.combine(day, send_at, tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(ZoneInfo(tz)).isoformat(timespec="minutes")


def available_channels(environ=None) -> frozenset[str]:
    """The channels this deployment can send on: a provider is configured for each (docs/channels.md)."""
    import os

    from bot.channels.providers import ProviderError, ProviderSettings
    environ = os.environ if environ is None else environ
    try:
        s = ProviderSettings.from_env(environ)
    except ProviderError:
        return frozenset()
    twilio = bool(s.twilio_account_sid and s.twilio_auth_token)
    on = {"sms": (twilio and bool(s.twilio_sms_from)) or bool(s.at_api_key and s.at_username),
          "whatsapp": twilio and bool(s.twilio_whatsapp_from), "email": bool(s.smtp_host and s.smtp_from),
          "telegram": bool((environ.get("TELEGRAM_TOKEN") or "").strip())}
    return frozenset(c for c, ready in on.items() if ready)


def plan_loan(facts: LoanFacts, day: date, texts: Callable | None = None, campaigns=None,
              channels: frozenset[str] | None = None) -> list[Line]:
    """The loan's lines for the borrower's local date `day`, on the `channels` this deployment has."""
    campaigns = campaigns or load_campaigns()
    channels = available_channels() if channels is None else channels
    texts = texts or TextChecks()
    cadence = campaigns.cadence(facts.product_code, facts.jurisdiction)
    planned_at: list[datetime] = []
    lines = []
    for stage, step in steps_due(facts, cadence, day):
        at = local_send_time(day, cadence.send_at, facts.timezone)
        base = dict(loan_id=facts.loan_id, loan_pk=facts.loan_pk, stage=stage, step=step.name,
                    message=step.message, local_date=day)
        if facts.stage == "legal_review":
            lines.append(Line(**base, channel=None, send_at=at, local_time=_local(at, facts.timezone),
                              status="dropped", rule="legal_review_pause",
                              reason="The loan is in legal review by a person; campaign contact is paused."))
            continue
        line = _plan_step(facts, step, at, base, tuple(planned_at), texts, channels)
        if line.status != "dropped":
            planned_at.append(line.send_at)
        lines.append(line)
    return lines


def _plan_step(facts: LoanFacts, step: Step, at: datetime, base: dict, planned: tuple[datetime, ...],
               texts: Callable, channels: frozenset[str]) -> Line:
    text = compose(step.message, facts)
    configured = [c for c in step.channels if c in channels]
    reachable = [c for c in configured if getattr(facts, ADDRESS[c], None)]
    if not reachable:
        rule, reason = (("no_address", f"The borrower has no address for {', '.join(configured)}.") if configured
                        else ("no_channel_configured", f"No provider is configured for {', '.join(step.channels)}."))
        return Line(**base, channel=None, send_at=at, local_time=_local(at, facts.timezone), status="dropped",
                    rule=rule, reason=reason)
    last: Decision | None = None
    for channel in reachable:
        ctx = context(facts, channel, at, planned)
        decision = judge(text, ctx, texts, facts.language)
        if decision.allowed:
            return Line(**base, channel=channel, send_at=at, local_time=_local(at, facts.timezone))
        if decision.rule == "opted_out_channel":
            last = decision
            continue
        if decision.rule in MOVABLE:
            moved, final = next_allowed(text, ctx, texts, facts.language)
            if moved is not None:
                return Line(**base, channel=channel, send_at=moved, local_time=_local(moved, facts.timezone),
                            status="moved", rule=decision.rule, reason=decision.reason,
                            moved_from=_local(at, facts.timezone))
            decision = final
        return Line(**base, channel=channel, send_at=at, local_time=_local(at, facts.timezone),
                    status="dropped", rule=decision.rule, reason=decision.reason)
    return Line(**base, channel=None, send_at=at, local_time=_local(at, facts.timezone), status="dropped",
                rule=last.rule if last else None, reason=last.reason if last else None)
