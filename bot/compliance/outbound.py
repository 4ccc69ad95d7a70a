"""The one check every outbound message passes: bot replies, campaigns, agents.

Rules run in a fixed order and the first block wins, so the reason an auditor
reads is the most fundamental one (a cease request matters more than a missing
disclosure):

 1. cease / opt-out          6. frequency caps (proactive only)
 2. third party / identity   7. conversation cool-down (proactive only)
 3. dispute pause            8. mandatory disclosures (first / proactive messages)
 4. vulnerability pause      9. prohibited language
 5. contact window (a reply to a borrower who wrote first may go out at any
    hour, but without a new demand)

The check is pure: the caller supplies the context (attempt history, flags) and
writes the audit entry for the Decision it gets back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


from bot.compliance.decision import Decision
from bot.compliance.language import check_text_for_profile
from bot.compliance.profiles import Profile, disclosures_for, effective_profile
from bot.config.bot_file import load_bot

__all__ = ["Decision", "OutboundContext", "check_outbound", "required_disclosures", "RULE_ORDER"]

RULE_ORDER = (
    "cease_contact", "opted_out_channel", "third_party_disclosure", "identity_before_disclosure",
    "dispute_pause", "vulnerability_pause", "contact_window", "no_new_demand_outside_window",
    "frequency_cap", "conversation_cooldown", "missing_disclosure", "prohibited_language.*",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _aware(name: str, value) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"OutboundContext.{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True)
class OutboundContext:
    jurisdictions: tuple[str, ...]
    borrower_tz: str
    now_utc: datetime
    channel: str
    initiated_by_borrower: bool = False  # this is a reply to a borrower who wrote first
    verified: bool = False               # identity confirmed in this conversation
    mentions_debt: bool = False          # the message discloses anything about the debt
    is_first_message: bool = False
    is_proactive: bool = False
    new_demand: bool = False             # asks for payment or proposes an arrangement
    recent_attempts: tuple[datetime, ...] = ()  # all channels and agents, this borrower + debt
    last_conversation_at: datetime | None = None
    cease_contact: bool = False
    opted_out_channels: tuple[str, ...] = ()
    disputed: bool = False
    paused: bool = False                 # vulnerability / hand-off pause
    third_party: bool = False            # talking to someone who is not the borrower
    lender: str = ""                     # "" = lender.name from config/bot.yml
    assistant: str = ""                  # "" = lender.assistant_name from config/bot.yml

    def __post_init__(self):
        for name in ("jurisdictions", "recent_attempts", "opted_out_channels"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise ValueError(f"OutboundContext.{name} must be a list or tuple, got {value!r}")
            object.__setattr__(self, name, tuple(value))
        if not all(isinstance(j, str) and j for j in self.jurisdictions):
            raise ValueError("OutboundContext.jurisdictions must hold profile names like 'US'")
        try:
            ZoneInfo(self.borrower_tz)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"OutboundContext.borrower_tz {self.borrower_tz!r} is not an IANA time zone") from exc
        if not isinstance(self.channel, str) or not self.channel.strip():
            raise ValueError("OutboundContext.channel must be a non-empty string like 'sms'")
        _aware("now_utc", self.now_utc)
        for t in self.recent_attempts:
            _aware("recent_attempts[]", t)
        if self.last_conversation_at is not None:
            _aware("last_conversation_at", self.last_conversation_at)


@lru_cache(maxsize=1)
def _lender_names() -> tuple[str, str]:
    """config/bot.yml lender.name and lender.assistant_name (bot.config; ConfigError names a wrong key)."""
    lender = load_bot().lender
    return lender.name, lender.assistant_name


def _fill(text: str, ctx: OutboundContext) -> str:
    lender, assistant = _lender_names() if not (ctx.lender and ctx.assistant) else ("", "")
    return text.format(lender=ctx.lender or lender, assistant=ctx.assistant or assistant)


def required_disclosures(ctx: OutboundContext, profile: Profile | None = None, language: str = "en") -> list[str]:
    """The exact texts the caller must include in this message (empty when none), in the
    borrower's `language` where the profile gives it (else English: disclosures_for).

    The debt-collection notice is asked for only when the message mentions the
    debt: before verification the message must not reveal a debt at all.
    """
    profile = profile or effective_profile(list(ctx.jurisdictions))
    kinds = []
    if ctx.is_first_message:
        kinds.append("first_message")
    if (ctx.is_first_message or ctx.is_proactive) and ctx.mentions_debt:
        kinds.append("debt_collection")
    if ctx.is_proactive:
        kinds.append("proactive")
    texts = disclosures_for(profile, language)
    return [_fill(t, ctx) for k in kinds for t in texts.get(k, ())]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def _block(rule: str, reason: str) -> Decision:
    return Decision(False, rule, reason)


def _check_contact(ctx: OutboundContext) -> Decision | None:
    reply_only = ctx.initiated_by_borrower and not ctx.new_demand
    if ctx.cease_contact and not reply_only:
        return _block("cease_contact", "The borrower asked us to stop all contact; the only message allowed is "
                      "a reply to the borrower that makes no demand (e.g. the one confirmation).")
    opted = {c.strip().lower() for c in ctx.opted_out_channels}
    if ctx.channel.strip().lower() in opted and not reply_only:
        return _block("opted_out_channel", f"The borrower opted out of {ctx.channel}; only a reply to the "
                      "borrower that makes no demand is allowed on that channel.")
    return None


def _check_disclosure_to_person(ctx: OutboundContext) -> Decision | None:
    if ctx.mentions_debt and ctx.third_party:
        return _block("third_party_disclosure", "The message mentions the debt but the person we are talking to "
                      "is not the borrower; third parties must learn nothing about the debt.")
    if ctx.mentions_debt and not ctx.verified:
        return _block("identity_before_disclosure", "The message mentions the debt before the borrower's identity "
                      "was verified in this conversation.")
    return None


def _check_pauses(ctx: OutboundContext) -> Decision | None:
    if ctx.disputed and ctx.new_demand:
        return _block("dispute_pause", "The borrower disputes this debt; collection is paused until the dispute is "
                      "resolved, so the message may acknowledge or inform but not ask for payment.")
    if ctx.paused and (ctx.new_demand or ctx.is_proactive):
        return _block("vulnerability_pause", "Collection is paused for this borrower (vulnerability or hand-off to a "
                      "person); no demands and no proactive messages until a person lifts the pause.")
    return None


def _check_window(ctx: OutboundContext, profile: Profile) -> Decision | None:
    local = ctx.now_utc.astimezone(ZoneInfo(ctx.borrower_tz))
    span = profile.window[local.weekday()]
    if span and span[0] <= local.time() < span[1]:
        return None
    if span:
        where = (f"{profile.name} contact window is {profile.window_text(local.weekday())} borrower local time; "
                 f"it is {local:%H:%M} in {ctx.borrower_tz}")
    else:
        where = (f"{profile.name} allows no contact on {_DAYS[local.weekday()]} borrower local time; "
                 f"it is {_DAYS[local.weekday()]} {local:%H:%M} in {ctx.borrower_tz}")
    if ctx.initiated_by_borrower and not ctx.new_demand:
        return None
    if ctx.initiated_by_borrower:
        return _block("no_new_demand_outside_window", f"{where}. A reply to the borrower may go out now, "
                      "but without a new demand or proposal.")
    return _block("contact_window", where + ".")


def _check_frequency(ctx: OutboundContext, profile: Profile) -> Decision | None:
    if not ctx.is_proactive:
        return None
    now = ctx.now_utc
    for cap in profile.caps:
        since = now - timedelta(days=cap.window_days)
        made = sum(1 for t in ctx.recent_attempts if since < t <= now)
        if made >= cap.count:
            return _block("frequency_cap", f"{profile.name} allows at most {cap.count} proactive attempts in "
                          f"{cap.window_days} day(s) per borrower and debt, all channels counted; {made} were made "
                          f"since {since:%Y-%m-%d %H:%M} UTC.")
    last = ctx.last_conversation_at
    if last is not None and profile.cooldown_days and now - last < timedelta(days=profile.cooldown_days):
        return _block("conversation_cooldown", f"{profile.name} allows no proactive contact for "
                      f"{profile.cooldown_days} day(s) after a conversation; the last one was at "
                      f"{last.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M} UTC.")
    return None


def _check_disclosures(text: str, ctx: OutboundContext, profile: Profile, language: str) -> Decision | None:
    said = _norm(text)
    missing = [d for d in required_disclosures(ctx, profile, language) if _norm(d) not in said]
    if missing:
        kind = "first" if ctx.is_first_message else "proactive"
        return _block("missing_disclosure", f"A {kind} message in {profile.name} must include, word for word: "
                      + " | ".join(f'"{m}"' for m in missing))
    return None


def check_outbound(text: str, ctx: OutboundContext, *,
                   text_check: Callable[[str, Profile], Decision] = check_text_for_profile,
                   language: str = "en") -> Decision:
    """Allow, or block with the first failing rule (order in the module docstring).

    `text_check` is the last rule, on the words alone; a campaign planner passes
    a memoised check_text_for_profile, because one template goes to many borrowers.
    `language` is the borrower's: the disclosures the message must carry (and the
    caller appends, from required_disclosures with the same language) are the
    profile's in that language, or English where it has none.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty string")
    if not isinstance(ctx, OutboundContext):
        raise ValueError("ctx must be an OutboundContext")
    profile = effective_profile(list(ctx.jurisdictions))
    for step in (lambda: _check_contact(ctx), lambda: _check_disclosure_to_person(ctx),
                 lambda: _check_pauses(ctx), lambda: _check_window(ctx, profile),
                 lambda: _check_frequency(ctx, profile), lambda: _check_disclosures(text, ctx, profile, language)):
        decision = step()
        if decision is not None:
            return decision
    return text_check(text, profile)
