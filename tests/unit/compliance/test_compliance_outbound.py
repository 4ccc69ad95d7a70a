"""Table-driven checks of check_outbound, per compliance profile.

Expected numbers are written here by hand (not read from config/compliance.yml)
so that a change to the configuration that breaks a regulation fails a test.
The last test counts how many distinct rules each profile is tested on and
prints it (the figure quoted in docs/compliance.md).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.compliance import OutboundContext, check_outbound
from bot.compliance.outbound import required_disclosures

UTC = timezone.utc
DEBT_TEXT = "Your payment of 500 is 10 days late; reply to see your options."
PLAIN_TEXT = "Thank you for your message; a colleague will get back to you."


def local(tz: str, stamp: str) -> datetime:
    """A wall-clock time in the borrower's zone, as the UTC instant callers pass."""
    return datetime.fromisoformat(stamp).replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


# Tuesday 10 March 2026 is an ordinary weekday; Sunday 8 March 2026 is a Sunday.
TUE, SUN = "2026-03-10", "2026-03-08"

# profile -> (borrower zone, window start, window end, Sunday closed?)
WINDOWS = {
    "US": ("America/Chicago", "08:00", "21:00", False),
    "US-MA": ("America/New_York", "08:00", "21:00", False),
    "UK": ("Europe/London", "08:00", "21:00", False),
    "CN": ("Asia/Shanghai", "08:00", "22:00", False),
    "IN": ("Asia/Kolkata", "08:00", "19:00", False),
    "PH": ("Asia/Manila", "06:00", "22:00", False),
    "ID": ("Asia/Jakarta", "08:00", "20:00", True),
    "KE": ("Africa/Nairobi", "08:00", "19:00", True),
    "NG": ("Africa/Lagos", "08:00", "20:00", True),
    "DEFAULT": ("Europe/Paris", "09:00", "20:00", True),
}
# profile -> (proactive attempts allowed, rolling window in days), cooldown days after a conversation
CAPS = {"US": (7, 7), "US-MA": (2, 7), "UK": (3, 7), "CN": (3, 1), "IN": (3, 7), "PH": (3, 7),
        "ID": (3, 7), "KE": (3, 7), "NG": (3, 7), "DEFAULT": (3, 7)}
COOLDOWN = {"US": 7, "US-MA": 7, "UK": 2, "CN": 1, "IN": 2, "PH": 2, "ID": 2, "KE": 2, "NG": 2, "DEFAULT": 2}
PROFILES = tuple(WINDOWS)


def base_ctx(profile: str, now: datetime | None = None, **kw) -> OutboundContext:
    """A message that is allowed: mid-conversation, verified borrower, noon local time."""
    tz = WINDOWS[profile][0]
    fields = dict(jurisdictions=(profile,), borrower_tz=tz, now_utc=now or local(tz, f"{TUE} 12:00"),
                  channel="sms", verified=True, mentions_debt=True)
    fields.update(kw)
    return OutboundContext(**fields)


@dataclass
class Case:
    profile: str
    rule: str            # the rule this row exercises
    name: str
    ctx: dict
    expect: str | None   # the blocking rule, or None when the message must be allowed
    text: str = DEBT_TEXT
    now: str | None = None  # local wall-clock time, "YYYY-MM-DD HH:MM"
    now_utc: datetime | None = None
    extra: dict = field(default_factory=dict)


def _window_cases() -> list[Case]:
    cases = []
    for p, (tz, start, end, sunday_closed) in WINDOWS.items():
        s = datetime.fromisoformat(f"{TUE} {start}")
        e = datetime.fromisoformat(f"{TUE} {end}")
        for label, t, blocked in (("1 min before start", s - timedelta(minutes=1), True), ("at start", s, False),
                                  ("1 min before end", e - timedelta(minutes=1), False), ("1 min after end", e + timedelta(minutes=1), True)):
            cases.append(Case(p, "contact_window", label, {}, "contact_window" if blocked else None,
                              now=t.strftime("%Y-%m-%d %H:%M")))
        cases.append(Case(p, "contact_window", "Sunday noon", {}, "contact_window" if sunday_closed else None,
                          now=f"{SUN} 12:00"))
        late = (e + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
        cases.append(Case(p, "contact_window", "reply to borrower after hours, no demand",
                          {"initiated_by_borrower": True}, None, now=late))
        cases.append(Case(p, "no_new_demand_outside_window", "reply to borrower after hours with a demand",
                          {"initiated_by_borrower": True, "new_demand": True}, "no_new_demand_outside_window", now=late))
    return cases


def _frequency_cases() -> list[Case]:
    cases = []
    for p, (count, days) in CAPS.items():
        span = timedelta(days=days)
        # attempts spread evenly inside the rolling window, on mixed channels (the caller passes all of them)
        inside = lambda n: tuple(-(span * (i + 1) / (n + 1)) for i in range(n))  # noqa: E731
        cases.append(Case(p, "frequency_cap", f"{count - 1} attempts in {days}d", {"is_proactive": True}, None,
                          extra={"attempt_offsets": inside(count - 1)}))
        cases.append(Case(p, "frequency_cap", f"{count} attempts in {days}d", {"is_proactive": True}, "frequency_cap",
                          extra={"attempt_offsets": inside(count)}))
        cases.append(Case(p, "frequency_cap", f"{count} attempts, oldest just outside {days}d", {"is_proactive": True},
                          None, extra={"attempt_offsets": inside(count - 1) + (-(span + timedelta(minutes=1)),)}))
        cases.append(Case(p, "frequency_cap", "cap does not limit non-proactive replies", {}, None,
                          extra={"attempt_offsets": inside(count)}))
        cd = timedelta(days=COOLDOWN[p])
        cases.append(Case(p, "conversation_cooldown", "proactive just inside cool-down", {"is_proactive": True},
                          "conversation_cooldown", extra={"conversation_offset": -(cd - timedelta(hours=1))}))
        cases.append(Case(p, "conversation_cooldown", "proactive just after cool-down", {"is_proactive": True},
                          None, extra={"conversation_offset": -(cd + timedelta(hours=1))}))
    # DEFAULT also has at most one proactive attempt a day.
    cases.append(Case("DEFAULT", "frequency_cap", "second attempt within a day", {"is_proactive": True},
                      "frequency_cap", extra={"attempt_offsets": (-timedelta(hours=20),)}))
    return cases


def _universal_cases() -> list[Case]:
    """Rules whose outcome is the same in every profile."""
    cases = []
    for p in PROFILES:
        cases += [
            Case(p, "cease_contact", "proactive after cease", {"cease_contact": True, "is_proactive": True}, "cease_contact"),
            Case(p, "cease_contact", "one confirmation reply after cease",
                 {"cease_contact": True, "initiated_by_borrower": True, "mentions_debt": False},
                 None, text="We will not contact you again."),
            Case(p, "cease_contact", "demand in a reply after cease",
                 {"cease_contact": True, "initiated_by_borrower": True, "new_demand": True}, "cease_contact"),
            Case(p, "opted_out_channel", "proactive on the opted-out channel",
                 {"opted_out_channels": ("SMS",), "is_proactive": True}, "opted_out_channel"),
            Case(p, "opted_out_channel", "proactive on another channel",
                 {"opted_out_channels": ("sms",), "is_proactive": True, "channel": "whatsapp"}, None),
            Case(p, "third_party_disclosure", "debt mentioned to a third party",
                 {"third_party": True}, "third_party_disclosure"),
            Case(p, "third_party_disclosure", "call-back request to a third party, no debt",
                 {"third_party": True, "verified": False, "mentions_debt": False}, None,
                 text="Please ask the account holder to call Tawi Credit back."),
            Case(p, "identity_before_disclosure", "debt mentioned before verification",
                 {"verified": False}, "identity_before_disclosure"),
            Case(p, "identity_before_disclosure", "verification request before verification",
                 {"verified": False, "mentions_debt": False}, None,
                 text="For your security, please confirm your date of birth."),
            Case(p, "dispute_pause", "payment demand while disputed", {"disputed": True, "new_demand": True}, "dispute_pause"),
            Case(p, "dispute_pause", "acknowledging the dispute", {"disputed": True}, None,
                 text="Your dispute has been recorded and collection is paused until it is resolved."),
            Case(p, "vulnerability_pause", "demand while paused", {"paused": True, "new_demand": True}, "vulnerability_pause"),
            Case(p, "vulnerability_pause", "proactive while paused", {"paused": True, "is_proactive": True}, "vulnerability_pause"),
            Case(p, "vulnerability_pause", "crisis resources while paused", {"paused": True, "initiated_by_borrower": True},
                 None, text="Please call a crisis line now; a person from our team will contact you."),
            Case(p, "missing_disclosure", "first message without the disclosures", {"is_first_message": True},
                 "missing_disclosure"),
            Case(p, "missing_disclosure", "first message with the disclosures", {"is_first_message": True}, None,
                 extra={"add_disclosures": True}),
            Case(p, "missing_disclosure", "proactive without opt-out instruction", {"is_proactive": True},
                 "missing_disclosure", extra={"add_disclosures": False}),
            Case(p, "prohibited_language", "threat in an otherwise allowed message", {},
                 "prohibited_language.threat_of_arrest", text="Pay today or the police will come to your house."),
            Case(p, "rule_order", "cease wins over prohibited language", {"cease_contact": True, "is_proactive": True},
                 "cease_contact", text="We will sue you today."),
        ]
    return cases


def _specific_cases() -> list[Case]:
    ny = "America/New_York"
    cases = [
        # The issue's own edge: 20:59 allowed, 21:01 blocked, borrower local time.
        Case("US", "contact_window", "20:59 Chicago", {}, None, now=f"{TUE} 20:59"),
        Case("US", "contact_window", "21:01 Chicago", {}, "contact_window", now=f"{TUE} 21:01"),
        # Daylight saving: New York springs forward on 8 March 2026 and falls back on 1 November 2026.
        Case("US-MA", "dst", "08:30 EDT on the spring-forward day", {}, None, now_utc=datetime(2026, 3, 8, 12, 30, tzinfo=UTC)),
        Case("US-MA", "dst", "07:30 EST the day before", {}, "contact_window", now_utc=datetime(2026, 3, 7, 12, 30, tzinfo=UTC)),
        Case("US-MA", "dst", "21:30 EDT the evening of spring-forward (20:30 if EST were wrongly used)", {},
             "contact_window", now_utc=datetime(2026, 3, 9, 1, 30, tzinfo=UTC)),
        Case("US-MA", "dst", "21:30 EDT before fall-back", {}, "contact_window", now_utc=datetime(2026, 11, 1, 1, 30, tzinfo=UTC)),
        Case("US-MA", "dst", "20:30 EST after fall-back (21:30 if EDT were wrongly kept)", {}, None,
             now_utc=datetime(2026, 11, 2, 1, 30, tzinfo=UTC)),
        # US debt-collection notice: required on a first message that mentions the debt, not in the UK.
        Case("US", "missing_disclosure", "first message with only the assistant disclosure", {"is_first_message": True},
             "missing_disclosure", text=f"You are talking to Tawi Assistant, an automated assistant for Tawi Credit. {DEBT_TEXT}"),
        Case("UK", "missing_disclosure", "UK first message needs no debt-collector notice", {"is_first_message": True},
             None, text=f"You are talking to Tawi Assistant, an automated assistant for Tawi Credit. {DEBT_TEXT}"),
        Case("US", "missing_disclosure", "limited first message before verification needs no debt notice",
             {"is_first_message": True, "verified": False, "mentions_debt": False}, None,
             text="You are talking to Tawi Assistant, an automated assistant for Tawi Credit. Please call us back."),
    ]
    for c in cases:
        if c.now_utc is not None:
            c.ctx = {"borrower_tz": ny, **c.ctx}
    return cases


CASES = _window_cases() + _frequency_cases() + _universal_cases() + _specific_cases()


def build(case: Case) -> tuple[str, OutboundContext]:
    tz = case.ctx.get("borrower_tz", WINDOWS[case.profile][0])
    now = case.now_utc or local(tz, case.now or f"{TUE} 12:00")
    ctx = base_ctx(case.profile, now=now, **case.ctx)
    if "attempt_offsets" in case.extra:
        ctx = replace(ctx, recent_attempts=tuple(now + off for off in case.extra["attempt_offsets"]))
    if "conversation_offset" in case.extra:
        ctx = replace(ctx, last_conversation_at=now + case.extra["conversation_offset"])
    text = case.text
    if case.extra.get("add_disclosures", ctx.is_proactive):
        text = " ".join(required_disclosures(ctx) + [text])
    return text, ctx


@pytest.mark.parametrize("case", CASES, ids=[f"{c.profile}:{c.rule}:{c.name}" for c in CASES])
def test_outbound_case(case: Case):
    text, ctx = build(case)
    decision = check_outbound(text, ctx)
    assert decision.rule == case.expect, decision.reason
    assert decision.allowed is (case.expect is None)
    if not decision.allowed:
        assert decision.reason and decision.reason.endswith((".", '"')), "a block needs a full-sentence reason"


def test_window_reason_names_local_time_and_zone():
    ctx = base_ctx("US", now=local("America/Chicago", f"{TUE} 21:01"))
    d = check_outbound(DEBT_TEXT, ctx)
    assert d.reason == "US contact window is 08:00-21:00 borrower local time; it is 21:01 in America/Chicago."


def test_sunday_reason_and_merged_profile_name():
    ctx = base_ctx("ID", now=local("Asia/Jakarta", f"{SUN} 10:00"))
    assert check_outbound(DEBT_TEXT, ctx).reason == (
        "ID allows no contact on Sunday borrower local time; it is Sunday 10:00 in Asia/Jakarta.")


def test_strictest_wins_in_check_outbound():
    """US + US-MA: the MA cap (2 in 7) applies although US alone allows 7."""
    now = local("America/New_York", f"{TUE} 12:00")
    ctx = base_ctx("US", now=now, jurisdictions=("US", "US-MA"), borrower_tz="America/New_York", is_proactive=True,
                   recent_attempts=(now - timedelta(days=1), now - timedelta(days=2)))
    text = " ".join(required_disclosures(ctx) + [DEBT_TEXT])
    d = check_outbound(text, ctx)
    assert (d.rule, d.allowed) == ("frequency_cap", False)
    assert "US+US-MA allows at most 2 proactive attempts in 7 day(s)" in d.reason
    assert check_outbound(text, replace(ctx, jurisdictions=("US",))).allowed


def test_decision_as_dict():
    d = check_outbound(DEBT_TEXT, base_ctx("US", verified=False))
    assert d.as_dict() == {"allowed": False, "rule": "identity_before_disclosure", "reason": d.reason}


@pytest.mark.parametrize("bad, message", [
    ({"now_utc": datetime(2026, 3, 10, 12, 0)}, "timezone-aware"),
    ({"borrower_tz": "Mars/Olympus"}, "IANA"),
    ({"channel": " "}, "channel"),
    ({"jurisdictions": "US"}, "list or tuple"),
    ({"recent_attempts": (datetime(2026, 3, 9),)}, "timezone-aware"),
])
def test_context_validation(bad, message):
    with pytest.raises(ValueError, match=message):
        base_ctx("US", **bad)


def test_unknown_jurisdiction_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown jurisdiction 'XX'"):
        check_outbound(DEBT_TEXT, base_ctx("US", jurisdictions=("XX",)))


def test_lists_are_accepted_and_frozen():
    ctx = base_ctx("US", jurisdictions=["US"], opted_out_channels=["sms"])
    assert ctx.jurisdictions == ("US",) and ctx.opted_out_channels == ("sms",)


def test_rules_tested_per_profile():
    """Every profile is exercised on every outbound rule; prints the counts for the docs."""
    rules = defaultdict(set)
    for c in CASES:
        rules[c.profile].add(c.rule)
    print("\nrules tested per profile (check_outbound):")
    for p in PROFILES:
        print(f"  {p:8s} {len(rules[p]):2d}  {', '.join(sorted(rules[p]))}")
    expected = {"cease_contact", "opted_out_channel", "third_party_disclosure", "identity_before_disclosure",
                "dispute_pause", "vulnerability_pause", "contact_window", "no_new_demand_outside_window",
                "frequency_cap", "conversation_cooldown", "missing_disclosure", "prohibited_language", "rule_order"}
    for p in PROFILES:
        assert expected <= rules[p], f"{p} untested on {sorted(expected - rules[p])}"
