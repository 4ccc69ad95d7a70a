"""bot/config: every shipped file loads, from any working directory, and each file can be moved by its variable."""
from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config.bot_file import load_bot
from bot.config.compliance import load_compliance
from bot.config.errors import ConfigError
from bot.config.files import ROOT, label, path_of
from bot.config.messages import load_messages
from bot.config.products import load_products_file
from tests.support.config_files import write_variant


def test_every_shipped_file_loads():
    bot = load_bot()
    assert bot.lender.name == "Tawi Credit" and bot.lender.short_name == "Tawi"
    assert (bot.escalation.angry_in_a_row, bot.escalation.fallbacks_in_a_row,
            bot.escalation.abuse_warnings_before_pause) == (3, 2, 1)
    assert bot.verification.max_failures == 5 and bot.ports.web == 8000
    products = load_products_file().by_code()
    assert set(products) == {"WALLET-30", "WALLET-90", "SME-180"}
    assert "DEFAULT" in load_compliance().profiles
    assert load_messages().messages["greet"].default


def test_money_and_percents_stay_decimal():
    wallet = load_products_file().by_code()["WALLET-30"]
    assert wallet.standard.min_instalment_percent == Decimal("10")
    assert all(type(v) is Decimal for _, v in wallet.standard.min_instalment_amounts)
    assert not any(isinstance(v, float) for v in vars(wallet.hardship).values())


def test_relative_paths_are_taken_from_the_repository_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert path_of("products.yml", "config/products.yml") == ROOT / "config" / "products.yml"
    assert load_products_file("config/products.yml").version == load_products_file().version


def test_another_working_directory_loads_the_same_configuration(tmp_path):
    """A process started elsewhere (Rasa's policy, the action server) reads the same files."""
    code = ("from bot.negotiation.limits import load_products; from bot.compliance.profiles import load_profiles;"
            "from bot.dialogue.messages import load; from bot.settings import lender;"
            "print(sorted(load_products()), len(load_profiles()), len(load()), lender()['name'])")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for name in ("BOT_YML", "PRODUCTS_YML", "COMPLIANCE_YML", "MESSAGES_YML"):
        env.pop(name, None)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith("['SME-180', 'WALLET-30', 'WALLET-90'] 10 ") and out.strip().endswith("Tawi Credit")


@pytest.mark.parametrize("name, variable, loader, changes, check", [
    ("products.yml", "PRODUCTS_YML", load_products_file, {"version": "test-9"}, lambda f: f.version == "test-9"),
    ("bot.yml", "BOT_YML", load_bot, {"lender": {"name": "Acme"}}, lambda f: f.lender.name == "Acme"),
    ("compliance.yml", "COMPLIANCE_YML", load_compliance, {"profiles": {"DEFAULT": {"retention_years": 9}}},
     lambda f: f.profiles["DEFAULT"].retention_years == 9),
    ("messages.yml", "MESSAGES_YML", load_messages, {"greet": {"default": "Hi there."}},
     lambda f: f.messages["greet"].default == "Hi there."),
])
def test_each_file_can_be_moved_by_its_environment_variable(tmp_path, monkeypatch, name, variable, loader,
                                                             changes, check):
    moved = write_variant(tmp_path / name, name, changes)
    monkeypatch.setenv(variable, str(moved))
    assert check(loader())
    monkeypatch.setenv(variable, str(tmp_path / "nowhere.yml"))
    with pytest.raises(ConfigError, match="nowhere.yml: cannot read: file not found"):
        loader()


def test_products_override_reaches_the_public_loaders(tmp_path, monkeypatch):
    from bot.negotiation.ladder import load_ladder
    from bot.negotiation.limits import load_products

    moved = write_variant(tmp_path / "products.yml", "products.yml",
                          {"ladder": ["pay_in_full", "instalment_plan", "person"], "version": "moved-1"})
    monkeypatch.setenv("PRODUCTS_YML", str(moved))
    assert load_ladder() == ("pay_in_full", "instalment_plan", "person")
    assert {p.version for p in load_products().values()} == {"moved-1"}


def test_an_edited_file_is_read_again(tmp_path):
    path = write_variant(tmp_path / "products.yml", "products.yml", {"version": "one"})
    assert load_products_file(path).version == "one"
    write_variant(path, "products.yml", {"version": "number-two"})
    assert load_products_file(path).version == "number-two"


def test_broken_yaml_names_the_file(tmp_path):
    bad = tmp_path / "bot.yml"
    bad.write_text("lender: [", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bot\.yml: not valid YAML"):
        load_bot(bad)
    bad.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="expected a mapping at the top of the file"):
        load_bot(bad)


def test_files_in_the_repository_are_named_relative_to_it():
    assert label(ROOT / "config" / "products.yml") == "config/products.yml"
    assert label(Path("/elsewhere/products.yml")) == "/elsewhere/products.yml"
