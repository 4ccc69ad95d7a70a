"""The catalogues of other languages (issue 15): every language in full (Chinese first; sw, tl, id
and hi completed after the issue 13 panel, whose judges read English replies to Indonesian borrowers
as not understood).

A translated text that lost a placeholder says less than English (a crisis line
missing from the self-harm text); one with a placeholder English lacks fails
when sent; other `facts:` would change what the compliance gate lets through
before verification. The compliance check of every rendering in every language
is tests/unit/dialogue/test_messages_compliance.py.
"""
from __future__ import annotations

import re
import shutil

import pytest
import yaml

from bot.config.bot_file import load_bot
from bot.config.errors import ConfigError
from bot.config.files import ROOT
from bot.config.messages import ENGLISH, RESERVED, languages, load_messages, path_for, placeholders
from bot.dialogue.messages import render

ENGLISH_FILE = yaml.safe_load(path_for(ENGLISH).read_text(encoding="utf-8"))
OTHERS = ("zh", "sw", "tl", "id", "hi")
# What someone in crisis, asking for a person, or asking us to stop must read in their language.
SAFETY = ("self_harm", "vulnerability", "condolence", "handoff", "handoff_acknowledge", "handoff_noted",
          "handoff_timeout", "handoff_reason_updated", "handoff_payment_reference", "handoff_pay_unverified",
          "review_first", "bot_challenge", "abuse_pause", "blocked", "stop_contact_channel", "stop_contact_cease",
          "confirm_stop_contact", "confirm_stop_contact_channel", "clarify_stop_contact", "wrong_person")
# The crisis line each language gets in its own jurisdiction.
HOME = {"zh": "CN", "sw": "KE", "tl": "PH", "id": "ID", "hi": "IN"}


def raw(language: str) -> dict:
    return yaml.safe_load(path_for(language).read_text(encoding="utf-8"))


def texts(entry: dict) -> dict[str, str]:
    return {name: text for name, text in entry.items() if name not in ("facts", "toned")}


def leaves(node, path=()):
    """Every text of a nested mapping (the `parts:` section) with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    else:
        yield path, node


def test_the_shipped_languages():
    assert languages() == ("en", "hi", "id", "sw", "tl", "zh")


@pytest.mark.parametrize("language", OTHERS)
def test_every_language_has_every_entry_variant_and_part_of_english(language):
    found = raw(language)
    assert set(found) == set(ENGLISH_FILE)
    assert set(found["tone"]) == set(ENGLISH_FILE["tone"])
    for key, english in ENGLISH_FILE.items():
        if key in RESERVED:
            continue
        assert set(found[key]) == set(english), key  # every emotion variant, facts, toned
        assert found[key]["facts"] == english["facts"], key
        for name, text in texts(english).items():
            assert placeholders(found[key][name]) == placeholders(text), (key, name)
    english_parts, their_parts = dict(leaves(ENGLISH_FILE["parts"])), dict(leaves(found["parts"]))
    assert set(their_parts) == set(english_parts)
    for path, text in english_parts.items():
        assert placeholders(str(their_parts[path])) == placeholders(str(text)), path


@pytest.mark.parametrize("language", OTHERS)
def test_every_language_has_the_safety_texts_in_its_own_words(language):
    catalogue = load_messages(language=language).messages
    english = load_messages().messages
    for key in SAFETY:
        assert key in catalogue, key
        assert catalogue[key].default != english[key].default, key


def test_hindi_is_written_in_devanagari():
    for key, entry in raw("hi").items():
        if key not in RESERVED:
            assert re.search("[\u0900-\u097f]{3}", entry["default"]), key


def test_chinese_is_polite_and_has_no_pressure_words():
    every = [t for e in raw("zh").values() for _, t in leaves(e) if isinstance(t, str)]
    assert len(every) > 150  # every message, opener and part
    for text in every:
        assert not re.search("必须|立即|否则|你", text), text  # 您, never 你


def test_a_language_without_a_key_says_it_in_english(tmp_path):
    fills = {"crisis_line": load_bot().crisis_line("KE", "sw"), "lender": "Tawi Credit"}
    swahili = render("self_harm", language="sw", **fills)
    assert swahili != render("self_harm", **fills) and "+254 722 178 177" in swahili
    assert render("greet", language="sw") != render("greet") and render("greet", language="zh") != render("greet")
    english = _catalogues(tmp_path, 'thank:\n  facts: {mentions_debt: false, first_disclosure: false}\n'
                                    '  default: "Karibu."\n')
    assert "greet" not in load_messages(english, "xx").messages  # a partial file: the rest is said in English


def _catalogues(tmp_path, text: str):
    english = tmp_path / "messages.yml"
    shutil.copy(path_for(ENGLISH), english)
    (tmp_path / "messages.xx.yml").write_text(text, encoding="utf-8")
    return english


def test_a_partial_file_without_parts_is_valid_and_writes_money_and_dates_as_english(tmp_path):
    english = _catalogues(tmp_path, 'thank:\n  facts: {mentions_debt: false, first_disclosure: false}\n'
                                    '  default: "Karibu."\n')
    catalogue = load_messages(english, "xx")
    assert set(catalogue.messages) == {"thank"} and catalogue.messages["thank"].default == "Karibu."
    assert catalogue.parts == load_messages(english).parts
    assert catalogue.tone.dict(exclude_none=True) == {}  # no English opener before a Swahili text


@pytest.mark.parametrize("entry, message", [
    ('thnak:\n  facts: {mentions_debt: false, first_disclosure: false}\n  default: "x"\n',
     r"messages.xx.yml: thnak: unknown key"),
    ('balance:\n  facts: {mentions_debt: false, first_disclosure: false}\n  default: "{total}"\n',
     r"messages.xx.yml: balance.facts: must be the English entry's"),
    ('handoff:\n  facts: {mentions_debt: false, first_disclosure: false}\n  default: "{lendr}"\n',
     r"messages.xx.yml: handoff.default: unknown placeholder \{lendr\}"),
    ('handoff:\n  facts: {mentions_debt: false, first_disclosure: false}\n  angy: "x"\n  default: "x"\n',
     r"handoff.angy"),
])
def test_a_wrong_translated_entry_is_refused_naming_it(tmp_path, entry, message):
    english = _catalogues(tmp_path, entry)
    with pytest.raises(ConfigError, match=message):
        load_messages(english, "xx")


@pytest.mark.parametrize("language, jurisdiction", HOME.items())
def test_the_crisis_line_is_given_in_the_borrowers_language(language, jurisdiction):
    bot = load_bot()
    english, own = bot.crisis_line(jurisdiction), bot.crisis_line(jurisdiction, language)
    assert own != english
    assert set(re.findall(r"\d[\d -]*\d", english)) <= set(re.findall(r"\d[\d -]*\d", own))  # the same number
    assert bot.crisis_line(jurisdiction, "en") == english
    assert bot.crisis_line("UK", language) == bot.crisis_line("UK")  # no translation: English
    every = bot.crisis_line(None, language)
    assert own in every and every.endswith(bot.crisis_lines["DEFAULT"])


def test_the_chinese_crisis_line():
    assert load_bot().crisis_line("CN", "zh") == "北京心理危机研究与干预中心热线 010-82951332（24小时）"


def test_a_crisis_line_by_language_needs_english(tmp_path):
    data = yaml.safe_load((ROOT / "config" / "bot.yml").read_text(encoding="utf-8"))
    data["crisis_lines"]["KE"] = {"sw": "Befrienders Kenya kwa +254 722 178 177"}
    path = tmp_path / "bot.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"crisis_lines.KE.en: missing"):
        load_bot(path)
