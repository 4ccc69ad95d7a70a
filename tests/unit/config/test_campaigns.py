"""config/campaigns.yml: the shipped cadences load, resolve defaults -> product -> jurisdiction, refuse every
wrong value by its key, stay inside each profile's caps, and every text they send passes the real guard as a
proactive first message while saying nothing about the debt."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.compliance import OutboundContext, check_outbound, load_profiles, required_disclosures
from bot.config.bot_file import load_bot
from bot.config.campaigns import ANCHORS, CHANNELS, STAGES, load_campaigns
from bot.config.errors import ConfigError
from bot.config.messages import load_messages
from bot.config.products import load_products_file
from bot.dialogue.messages import render
from tests.support.config_files import shipped, write_variant

PROFILES = load_profiles()
PRODUCTS = sorted(load_products_file().by_code())
CAMPAIGNS = load_campaigns()
CADENCES = [CAMPAIGNS.cadence(p, j) for p in PRODUCTS for j in sorted(PROFILES)]
USED = sorted({s.message for c in CADENCES for s in c.steps})
MONDAY = date(2026, 12, 7)


def _step(name, anchor="due_date", offset=1, message="campaign_contact_followup", channels=("sms",)):
    return {"step": name, "anchor": anchor, "offset_days": offset, "channels": list(channels),
            "message": message, "max_sends": 1}


# ---- the shipped file ---------------------------------------------------------------------------


def test_the_shipped_file_loads_with_a_cadence_for_every_product_and_profile():
    assert CAMPAIGNS.version == shipped("campaigns.yml")["version"]
    assert len(CADENCES) == len(PRODUCTS) * len(PROFILES) and load_campaigns() is CAMPAIGNS
    for cadence in CADENCES:
        assert tuple(cadence.stages) == STAGES and cadence.version == CAMPAIGNS.version
        assert cadence.stages["reminder"] and cadence.stages["contact"] and cadence.stages["upkeep"]
        assert {s.anchor for s in cadence.steps} == set(ANCHORS)
        assert all(s.channels and set(s.channels) <= set(CHANNELS) for s in cadence.steps)
        assert cadence.legal_review.broken_arrangements == 2
        assert cadence.legal_review.days_overdue_without_contact == 90
    wallet = CAMPAIGNS.cadence("WALLET-30", "KE")
    assert wallet.send_at == time(10, 0) and wallet.grace_days == 3
    assert [s.offset_days for s in wallet.stages["reminder"]] == [-3, 0]
    assert [s.offset_days for s in wallet.stages["contact"]] == [1, 5, 10, 20, 30, 60]
    assert wallet.step("contact_d+1").message == "campaign_contact_first"
    assert [s.name for s in wallet.for_anchor("missed")] == ["upkeep_missed", "upkeep_missed_d+4"]
    assert CAMPAIGNS.cadence("WALLET-30", None) == CAMPAIGNS.cadence("WALLET-30", "DEFAULT")


def test_shipped_resolution_product_then_jurisdiction():
    sme_us = CAMPAIGNS.cadence("SME-180", "US")
    assert sme_us.send_at == time(11, 0)  # the jurisdiction's
    assert sme_us.grace_days == 5  # the product's
    assert sme_us.stages["contact"][0].channels[0] == "email"  # the product's stage, US names none
    sme_ma = CAMPAIGNS.cadence("SME-180", "US-MA")
    assert [s.name for s in sme_ma.stages["reminder"]] == ["reminder_d-3"]  # US-MA's list replaces SME's
    assert sme_ma.stages["upkeep"] == CAMPAIGNS.cadence("WALLET-30", "KE").stages["upkeep"]  # defaults kept


def test_an_unknown_product_or_jurisdiction_is_refused_by_name():
    with pytest.raises(ConfigError, match="unknown product_code 'CAR-12'"):
        CAMPAIGNS.cadence("CAR-12", "KE")
    with pytest.raises(ConfigError, match="unknown jurisdiction 'FR'"):
        CAMPAIGNS.cadence("WALLET-30", "FR")


def test_every_campaign_message_is_used_and_every_used_one_is_a_campaign_message():
    keys = {k for k in load_messages().messages if k.startswith("campaign_")}
    assert set(USED) == keys and len(keys) == 9


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_due_date_steps_alone_stay_inside_the_profiles_caps(profile):
    """A cadence the caps would cut is not a cadence: on their own, the reminder and contact steps
    never need the guard to move one for a frequency cap (counted as the guard counts them)."""
    for product in PRODUCTS:
        cadence = CAMPAIGNS.cadence(product, profile)
        days = [s.offset_days for stage in ("reminder", "contact") for s in cadence.stages[stage]
                for _ in range(s.max_sends)]
        for cap in PROFILES[profile].caps:
            for t in days:
                made = sum(1 for d in days if t - cap.window_days < d <= t)
                assert made <= cap.count, (product, profile, cap, t, days)


# ---- the texts: nothing about the debt, and the real guard lets them out --------------------------

# Words and signs that say there is a debt: amounts (any digit), currencies, and the vocabulary of loans.
CURRENCY_CODES = sorted({code for floors in shipped("products.yml")["floors"].values() for code in floors} - {"default"})
DEBT_WORDS = re.compile(
    r"\d|[$£€¥₹₱₦₵]|\b(loans?|debts?|overdue|arrears|owe[sd]?|owing|balance|amounts?|pay|paid|payments?|"
    r"instal+ments?|due|late|missed|repay\w*|collect\w*|legal|court|lawyers?|dollars?|shillings?|naira|"
    r"rupees?|pesos?|rupiah|yuan|pounds?|euros?|cedis?|rand|yen|" + "|".join(CURRENCY_CODES) + r")\b",
    re.IGNORECASE)


def debt_hints(template: str) -> list[str]:
    """What in a template (its {placeholders} left out: the lender's own name is not ours) tells of a debt."""
    return [m.group(0) for m in DEBT_WORDS.finditer(re.sub(r"\{\w+\}", "", template))]


def test_the_debt_word_check_can_fail():
    assert debt_hints("Your loan of KES 1,500 is overdue.") == ["loan", "KES", "1", "5", "0", "0", "overdue"]
    assert debt_hints("Please pay $20 by Friday") and debt_hints("You owe us") and debt_hints("the debt")
    assert debt_hints("A reminder about your instalment") and debt_hints("500 shillings")
    assert not debt_hints("Hello, this is {assistant} from {lender}. Reply to see the details.")


@pytest.mark.parametrize("key", USED)
def test_campaign_texts_say_nothing_about_the_debt(key):
    entry = load_messages().messages[key]
    assert entry.facts.mentions_debt is False and entry.facts.first_disclosure is False
    texts = [t for t in entry.dict(exclude={"facts", "toned"}).values() if isinstance(t, str)]
    for text in texts:
        assert not debt_hints(text), (key, debt_hints(text), text)
        assert set(re.findall(r"\{(\w+)\}", text)) <= {"assistant", "lender"}  # nothing about the borrower
        assert "{assistant}" in text and "{lender}" in text  # says who is writing


def _inside_window(profile, send_at: time) -> datetime:
    """The first day from MONDAY whose window holds `send_at`, at that time, UTC (the borrower's zone)."""
    for days in range(7):
        day = MONDAY + timedelta(days=days)
        span = profile.window[day.weekday()]
        if span and span[0] <= send_at < span[1]:
            return datetime.combine(day, send_at, tzinfo=timezone.utc)
    raise AssertionError(f"{send_at} is never inside the {profile.name} window")


def _context(profile: str, when: datetime, channel: str) -> OutboundContext:
    return OutboundContext(jurisdictions=(profile,), borrower_tz="UTC", now_utc=when, channel=channel,
                           is_proactive=True, is_first_message=True, mentions_debt=False)


def _sent(key: str, ctx: OutboundContext) -> str:
    """The text as the sender will send it: the message, then the profile's required disclosures."""
    lender = load_bot().lender
    text = render(key, lender=lender.name, assistant=lender.assistant_name)
    return " ".join([text, *required_disclosures(ctx)])


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_campaign_text_passes_the_guard_as_a_proactive_first_message(profile):
    checked = set()
    for product in PRODUCTS:
        cadence = CAMPAIGNS.cadence(product, profile)
        when = _inside_window(PROFILES[profile], cadence.send_at)
        for step in cadence.steps:
            for channel in step.channels:
                if (step.message, channel, when) in checked:
                    continue
                checked.add((step.message, channel, when))
                ctx = _context(profile, when, channel)
                text = _sent(step.message, ctx)
                decision = check_outbound(text, ctx)
                assert decision.allowed, (profile, step.name, channel, decision.rule, decision.reason, text)
                assert "debt collector" not in text  # no debt-collection notice: nothing about a debt is said
    assert {key for key, _, _ in checked} == set(USED)


def test_the_guard_check_above_can_fail():
    key, when = "campaign_contact_first", _inside_window(PROFILES["US"], time(11, 0))
    ctx = _context("US", when, "sms")
    bare = render(key, lender=load_bot().lender.name, assistant=load_bot().lender.assistant_name)
    assert check_outbound(bare, ctx).rule == "missing_disclosure"
    night = _context("US", when.replace(hour=3), "sms")
    assert check_outbound(_sent(key, night), night).rule == "contact_window"
    debt = OutboundContext(jurisdictions=("US",), borrower_tz="UTC", now_utc=when, channel="sms",
                           is_proactive=True, is_first_message=True, mentions_debt=True)
    assert check_outbound(_sent(key, debt), debt).rule == "identity_before_disclosure"


# ---- every wrong value names its key ------------------------------------------------------------


def _set(*keys, value):
    def edit(data):
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value
    return edit


def _drop(*keys):
    def edit(data):
        for key in keys[:-1]:
            data = data[key]
        del data[keys[-1]]
    return edit


STEP = ("defaults", "stages", "reminder", 0)
BAD = [
    (_set("products", "WALLET-30", value={"stages": {"contact": [_step("a", offset=1), _step("b", offset=3),
                                                                 _step("c", offset=0)]}}),
     "products.WALLET-30.stages.contact[2].offset_days: must be > 0"),
    (_set(*STEP, "offset_days", value=2), "defaults.stages.reminder[0].offset_days: must be <= 0"),
    (_set(*STEP, "offset_days", value="-3"), "defaults.stages.reminder[0].offset_days: must be a whole number"),
    (_set("defaults", "stages", "upkeep", 1, "offset_days", value=1),
     "defaults.stages.upkeep[1].offset_days: must be <= 0 for anchor promise_date"),
    (_set("defaults", "stages", "upkeep", 4, "offset_days", value=-1),
     "defaults.stages.upkeep[4].offset_days: must be >= 0 for anchor missed"),
    (_set("defaults", "stages", "upkeep", 2, "offset_days", value=0),
     "defaults.stages.upkeep[2].offset_days: must be > 0 for anchor late"),
    (_set("defaults", "stages", "follow_up", 0, "anchor", value="due_date"),
     "defaults.stages.follow_up[0].anchor: 'due_date' is not an anchor of this stage; use closed"),
    (_set(*STEP, "anchor", value="paid"), "defaults.stages.reminder[0].anchor: 'paid' is not an anchor"),
    (_set(*STEP, "colour", value="red"), "defaults.stages.reminder[0].colour: unknown key"),
    (_drop(*STEP, "message"), "defaults.stages.reminder[0].message: missing"),
    (_set("defaults", "stages", "negotiation", value=[]), "defaults.stages.negotiation: unknown key"),
    (_drop("defaults", "stages", "upkeep"), "defaults.stages.upkeep: missing"),
    (_set("defaults", "stages", "contact", value={"d1": 1}), "defaults.stages.contact: must be a list of steps"),
    (_set("colours", value="blue"), "colours: unknown key"),
    (_set("version", value=" "), "version: missing; every change to the cadences needs a new version"),
    (_set("products", "WALLET-90", "legal_review", value={}), "products.WALLET-90.legal_review: unknown key"),
    (_set(*STEP, "step", value="Reminder 3"), "defaults.stages.reminder[0].step: 'Reminder 3': use lower-case"),
    (_set("defaults", "stages", "contact", 1, "step", value="contact_d+1"),
     "defaults.stages.contact[1].step: 'contact_d+1' repeats the step at defaults.stages.contact[0]"),
    (_set("jurisdictions", "US", value={"stages": {"contact": [_step("reminder_d-7")]}}),
     "jurisdictions.US.stages.contact[0].step: 'reminder_d-7' repeats the step at products.SME-180.stages.reminder[0]"),
    (_set(*STEP, "channels", value=["sms", "fax"]),
     "defaults.stages.reminder[0].channels: 'fax' (item 1) is not a channel; use sms, whatsapp, email, telegram"),
    (_set(*STEP, "channels", value=[]), "defaults.stages.reminder[0].channels: must be a non-empty list"),
    (_set(*STEP, "channels", value=["sms", "sms"]), "defaults.stages.reminder[0].channels: repeated channel"),
    (_set(*STEP, "message", value="campaign_remindr"),
     "defaults.stages.reminder[0].message: 'campaign_remindr' is not a key of config/messages.yml"),
    (_set("products", "SME-180", "stages", "contact", 0, "message", value="balance"),
     "products.SME-180.stages.contact[0].message: 'balance' mentions the debt"),
    (_set(*STEP, "max_sends", value=0), "defaults.stages.reminder[0].max_sends: must be a whole number from 1 to 5"),
    (_set(*STEP, "max_sends", value=6), "defaults.stages.reminder[0].max_sends: must be a whole number from 1 to 5"),
    (_set("products", "CAR-12", value={}), "products.CAR-12: not a product_code of config/products.yml"),
    (_set("jurisdictions", "FR", value={"send_at": "10:00"}), "jurisdictions.FR: not a profile of config/compliance.yml"),
    (_set("defaults", "send_at", value="9:00"), "defaults.send_at: must be a time 'HH:MM'"),
    (_set("jurisdictions", "US", "send_at", value="24:00"), "jurisdictions.US.send_at: must be a time 'HH:MM'"),
    (_set("jurisdictions", "IN", value={"send_at": "19:30"}),
     "jurisdictions.IN.send_at: 19:30 is outside the IN contact window on every day"),
    (_set("defaults", "grace_days", value=31), "defaults.grace_days: must be a whole number from 0 to 30, got 31"),
    (_set("products", "WALLET-90", "grace_days", value=-1), "products.WALLET-90.grace_days: must be a whole number"),
    (_set("defaults", "legal_review", "broken_arrangements", value=0),
     "defaults.legal_review.broken_arrangements: must be a whole number >= 1, got 0"),
    (_set("defaults", "legal_review", "days_overdue_without_contact", value="ninety"),
     "defaults.legal_review.days_overdue_without_contact: must be a whole number >= 1"),
    (_drop("defaults", "legal_review", "broken_arrangements"), "defaults.legal_review.broken_arrangements: missing"),
]


@pytest.mark.parametrize("edit, message", BAD, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in enumerate(BAD)])
def test_a_wrong_value_is_refused_naming_its_key(tmp_path, edit, message):
    path = write_variant(tmp_path / "campaigns.yml", "campaigns.yml", edit=edit)
    with pytest.raises(ConfigError) as err:
        load_campaigns(path)
    assert f"campaigns.yml: {message}" in str(err.value), str(err.value)


def test_resolution_order_defaults_product_jurisdiction(tmp_path):
    def edit(data):
        data["defaults"]["send_at"] = "10:00"
        data["products"] = {"WALLET-30": {"send_at": "09:00", "grace_days": 7,
                                          "stages": {"contact": [_step("only_d+2", offset=2)]}}}
        data["jurisdictions"] = {"KE": {"send_at": "12:00", "stages": {"follow_up": []}}}
    campaigns = load_campaigns(write_variant(tmp_path / "campaigns.yml", "campaigns.yml", edit=edit))
    ke, uk = campaigns.cadence("WALLET-30", "KE"), campaigns.cadence("WALLET-30", "UK")
    assert (ke.send_at, ke.grace_days, uk.send_at, uk.grace_days) == (time(12, 0), 7, time(9, 0), 7)
    assert [s.name for s in ke.stages["contact"]] == ["only_d+2"]  # the product's list replaced the default one
    assert ke.stages["follow_up"] == () and uk.stages["follow_up"]  # [] switches a stage off
    sme = campaigns.cadence("SME-180", "KE")
    assert (sme.send_at, sme.grace_days, len(sme.stages["contact"])) == (time(12, 0), 3, 6)


def test_the_file_can_be_moved_by_its_environment_variable_and_is_read_again_when_edited(tmp_path, monkeypatch):
    moved = write_variant(tmp_path / "campaigns.yml", "campaigns.yml", {"version": "moved-1"})
    monkeypatch.setenv("CAMPAIGNS_YML", str(moved))
    assert load_campaigns().version == "moved-1"
    write_variant(moved, "campaigns.yml", {"version": "moved-two"})
    assert load_campaigns().version == "moved-two"
    monkeypatch.setenv("CAMPAIGNS_YML", str(tmp_path / "nowhere.yml"))
    with pytest.raises(ConfigError, match="nowhere.yml: cannot read: file not found"):
        load_campaigns()
