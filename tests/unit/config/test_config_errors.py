"""A wrong value anywhere in config/ stops the process at start-up, naming the file and the key path."""
from __future__ import annotations

import re

import pytest

from bot.config.bot_file import load_bot
from bot.config.compliance import load_compliance
from bot.config.errors import ConfigError
from bot.config.messages import load_messages
from bot.config.products import load_products_file
from tests.support.config_files import write_variant

LOADERS = {"bot.yml": load_bot, "products.yml": load_products_file, "compliance.yml": load_compliance,
           "messages.yml": load_messages}


def _fails(tmp_path, name, edit, message):
    path = write_variant(tmp_path / name, name, edit=edit)
    with pytest.raises(ConfigError) as err:
        LOADERS[name](path)
    assert f"{name}: {message}" in str(err.value), str(err.value)
    return str(err.value)


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


@pytest.mark.parametrize("edit, message", [
    (_set("products", "WALLET-30", "standard", "max_instalments", value=0),
     "products.WALLET-30.standard.max_instalments: must be a whole number >= 1, got 0"),
    (_set("products", "SME-180", "hardship", "max_waiver_percent", value=101),
     "products.SME-180.hardship.max_waiver_percent: must be a number from 0 to 100, got 101"),
    (_set("products", "WALLET-90", "standard", "frequencies_days", value=[7, 7]),
     "products.WALLET-90.standard.frequencies_days: repeated value in [7, 7]"),
    (_set("products", "WALLET-90", "standard", "frequencies_days", value=[7, "weekly"]),
     "products.WALLET-90.standard.frequencies_days[1]: must be a whole number >= 1, got 'weekly'"),
    (_set("products", "WALLET-30", "hardship", "max_plan_days", value=30),
     "products.WALLET-30.hardship.max_plan_days: 30 is narrower than standard 60"),
    (_set("products", "WALLET-30", "standard", "min_instalment_amount", value={"default": 1, "JPY": "2.5"}),
     "products.WALLET-30.standard.min_instalment_amount.JPY: 2.5 has more than 0 decimals"),
    (_set("products", "WALLET-30", "description", value=""), "products.WALLET-30.description: expected a non-empty"),
    (_set("products", "WALLET-30", "standard", "max_deferral_days", value=True),
     "products.WALLET-30.standard.max_deferral_days: must be a whole number >= 0, got True"),
    (_set("ladder", value=["pay_in_full", "deferral"]), "ladder: must end with person"),
    (_set("colours", value="blue"), "colours: unknown key"),
    (_drop("version"), "version: missing"),
])
def test_products_yml(tmp_path, edit, message):
    _fails(tmp_path, "products.yml", edit, message)


@pytest.mark.parametrize("edit, message", [
    (_set("ports", "web", value=70000), "ports.web: must be a whole number from 1 to 65535, got 70000"),
    (_set("ports", "rasa", value="5005"), "ports.rasa: must be a whole number from 1 to 65535, got '5005'"),
    (_drop("lender", "name"), "lender.name: missing"),
    (_set("lender", "payment_instructions", value="Quote {reference}"),
     "lender.payment_instructions: only {loan_id} can be filled in"),
    (_set("escalation", "angry_in_a_row", value=0), "escalation.angry_in_a_row: must be a whole number from 1 to 100"),
    (_set("escalation", "abuse_warnings_before_pause", value=2),
     "escalation.abuse_warnings_before_pause: must be a whole number from 0 to 1, got 2"),
    (_drop("escalation"), "escalation: missing"),
    (_set("escalation", "fallbacks", value=2), "escalation.fallbacks: unknown key"),
    (_set("verification", "lock_hours", value=100000), "verification.lock_hours: must be a whole number from 1 to 8760"),
    (_drop("crisis_lines", "DEFAULT"), "crisis_lines.DEFAULT: missing"),
    (_set("limits", "message_chars", value=10), "limits.message_chars: must be a whole number from 100 to 100000"),
    (_set("audit_anchor_minutes", value="hourly"), "audit_anchor_minutes: must be a whole number from 1 to 10080"),
    (_set("payment_callback", value=300), "payment_callback: must be a mapping"),
])
def test_bot_yml(tmp_path, edit, message):
    _fails(tmp_path, "bot.yml", edit, message)


@pytest.mark.parametrize("edit, message", [
    (_set("profiles", "UK", "contact_window", value={"all": "8-20"}),
     "profiles.UK.contact_window.all: '8-20' must be 'HH:MM-HH:MM' or 'closed'"),
    (_set("profiles", "US", "contact_window", value={"all": "08:00-21:00", "sun": "21:00-08:00"}),
     "profiles.US.contact_window.sun: '21:00-08:00': end must be after start"),
    (_set("profiles", "KE", "frequency_caps", value=[{"count": 2, "window_days": 0}]),
     "profiles.KE.frequency_caps[0].window_days: must be a whole number >= 1, got 0"),
    (_set("profiles", "KE", "frequency_caps", value=[]), "profiles.KE.frequency_caps: must be a non-empty list"),
    (_set("profiles", "IN", "opt_out", "cease_phrases", value=["stop", ""]),
     "profiles.IN.opt_out.cease_phrases[1]: expected a non-empty text"),
    (_set("profiles", "PH", "retention_years", value=0), "profiles.PH.retention_years: must be a whole number >= 1"),
    (_set("profiles", "CN", "cooldown_days", value=1), "profiles.CN.cooldown_days: unknown key"),
    (_drop("profiles", "DEFAULT"), "profiles: must define a DEFAULT profile"),
])
def test_compliance_yml(tmp_path, edit, message):
    _fails(tmp_path, "compliance.yml", edit, message)


@pytest.mark.parametrize("edit, message", [
    (_drop("greet", "default"), "greet.default: missing"),
    (_set("greet", "angy", value="Hello."), "greet.angy: unknown key"),
    (_set("greet", "angry", value=""), "greet.angry: expected a non-empty text"),
    (_set("tone", "bored", value="Right."), "tone.bored: unknown key"),
    (_set("greet", "toned", value="yes"), "greet.toned: value is not a valid boolean"),
])
def test_messages_yml(tmp_path, edit, message):
    _fails(tmp_path, "messages.yml", edit, message)


def test_every_wrong_key_is_listed_at_once(tmp_path):
    def edit(data):
        data["ports"]["web"] = 0
        data["verification"]["max_failures"] = 0
    text = _fails(tmp_path, "bot.yml", edit, "ports.web: must be")
    assert re.search(r"bot\.yml: verification\.max_failures: must be", text)


def test_the_servers_fail_at_start_up_on_a_wrong_file(tmp_path, monkeypatch):
    """The same error reaches the public loaders the policy, actions and web server call."""
    from bot.negotiation.limits import ProductConfigError, load_products
    from bot.web.config import load_config

    products = write_variant(tmp_path / "products.yml", "products.yml",
                             edit=_set("products", "WALLET-30", "standard", "max_instalments", value=0))
    monkeypatch.setenv("PRODUCTS_YML", str(products))
    with pytest.raises(ProductConfigError, match=r"products\.WALLET-30\.standard\.max_instalments: must be"):
        load_products()
    bot = write_variant(tmp_path / "bot.yml", "bot.yml", edit=_set("ports", "web", value=0))
    with pytest.raises(ConfigError, match=r"bot\.yml: ports\.web: must be a whole number from 1 to 65535, got 0"):
        load_config({}, bot)
