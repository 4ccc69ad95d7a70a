"""data/compliance/rules.yml: what the loader accepts, and what it refuses by name.

A compliance officer edits this file; a typo must fail loudly at start-up with
the rule's id, never silently weaken a rule.
"""
from __future__ import annotations

import copy
import re

import pytest
import yaml

from bot.compliance.matching import find_violations
from bot.compliance.rules import RULES_FILE, RulesError, default_rules, load_rules, nested_repetition

RAW = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))


def _load_variant(tmp_path, change) -> None:
    data = copy.deepcopy(RAW)
    change(data)
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_rules(path)


def _rule(data: dict, rule_id: str) -> dict:
    return next(r for r in data["prohibited_language"] if r["id"] == rule_id)


def test_the_rules_load_with_a_reason_and_a_source_each():
    book = default_rules()
    assert [r.id for r in book.rules] == [
        "threat_of_arrest", "threat_of_violence", "threat_of_visit", "threat_of_legal_action",
        "false_consequence", "impersonation", "insult", "third_party_shaming", "borrow_elsewhere",
        "deceptive_urgency", "veiled_threat"]
    for rule in book.rules:
        assert rule.reason and not rule.reason.endswith(" ") and rule.source and rule.patterns
    assert 0 < book.hold_at < 1


def test_a_round_trip_through_yaml_changes_nothing(tmp_path):
    """The variants below are written with yaml.safe_dump; the unchanged file loads the same."""
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(RAW, allow_unicode=True, sort_keys=False), encoding="utf-8")
    again, book = load_rules(path), default_rules()
    assert [[p.pattern for p in r.patterns] for r in again.rules] == [[p.pattern for p in r.patterns]
                                                                     for r in book.rules]
    assert again.negation.fingerprint == book.negation.fingerprint


def test_the_who_lexicon_and_fuzzy_words_expand_into_patterns():
    assert [r.id for r, _ in find_violations("We will tell your whole church group.")] == ["third_party_shaming"]
    for text in ("You stuuupid man.", "Pay, you 1d10t.", "Such a l0000ser."):
        assert [r.id for r, _ in find_violations(text)] == ["insult"], text


@pytest.mark.parametrize("change, message", [
    (lambda d: _rule(d, "insult").update(negateable=True), r"rule 'insult': unknown key\(s\) negateable"),
    (lambda d: _rule(d, "threat_of_arrest")["patterns"].append(r"\bjail(\b"),
     r"rule 'threat_of_arrest': pattern '\\\\bjail\(\\\\b' is not a valid regex"),
    (lambda d: _rule(d, "veiled_threat")["patterns"].append(r"\b(\w+ )+again\b"),
     r"rule 'veiled_threat': pattern .* nests repetition"),
    (lambda d: _rule(d, "insult")["patterns"].append(r"(a+)+b"), r"rule 'insult': pattern .* nests repetition"),
    (lambda d: _rule(d, "third_party_shaming")["patterns"].append(r"\btell your {whom}"),
     r"rule 'third_party_shaming': .* unknown lexicon \{whom\}"),
    (lambda d: _rule(d, "borrow_elsewhere").pop("source"), r"rule 'borrow_elsewhere': missing key\(s\) source"),
    (lambda d: _rule(d, "borrow_elsewhere").update(source=[]), r"rule 'borrow_elsewhere'.source: name the"),
    (lambda d: _rule(d, "insult").update(negatable="no"), r"rule 'insult': negatable must be true or false"),
    (lambda d: _rule(d, "insult").update(patterns=[]), r"rule 'insult'.patterns: expected a non-empty list"),
    (lambda d: _rule(d, "insult")["patterns"].append({"fuzzy_word": ["oaf"]}), r"rule 'insult'.patterns: unknown"),
    (lambda d: d["prohibited_language"].append(copy.deepcopy(_rule(d, "insult"))), r"'insult' is defined twice"),
    (lambda d: _rule(d, "insult").update(id="Insult!"), r"id must be lowercase"),
    (lambda d: d["negation"]["rewrites"][0].update(replace=r"\7 you default"),
     r"negation.rewrites\[0\]: replacement .* does not fit"),
    (lambda d: d["negation"]["rewrites"][0].pop("why"), r"negation.rewrites\[0\]: missing key\(s\) why"),
    (lambda d: d["backstop"].update(hold_at=80), r"backstop.hold_at must be a number between 0 and 1"),
    (lambda d: d.update(rules=d.pop("prohibited_language")), r"unknown key\(s\) rules"),
])
def test_a_bad_edit_is_refused_naming_the_rule(tmp_path, change, message):
    with pytest.raises(RulesError, match=message):
        _load_variant(tmp_path, change)


@pytest.mark.parametrize("pattern, nested", [
    (r"(a+)+", True), (r"(\w+ )*x", True), (r"(\w+ ){1,5}to", True), (r"((ab)+c)+", True),
    (r"(?:x|(y+))*", True), (r"(?=(a+)+)", True),
    (r"\bsen[dt]\w* (\w+ ){1,2}to", False), (r"your( \w+)? boss", False), (r".{0,25}\bcourt\b", False),
    (r"\b(a|b)+\b", False), (r"[a@4]+[b]+", False), (r"\bsolicitors?\b.*\b(court|action)\b", False),
])
def test_nested_repetition_is_detected_statically(pattern, nested):
    assert nested_repetition(pattern) is nested


def test_every_pattern_runs_in_linear_time_on_a_long_hostile_text():
    """The static check's promise, measured: a 20 000-character text of the shapes
    that make backtracking explode takes well under a second for all rules."""
    import time

    hostile = " ".join(["your your your friend friend", "aaaa" * 50, "stuuuuuuuuuuuuuuuuupi", "call " * 30]) * 40
    started = time.monotonic()
    find_violations(hostile[:20000])
    assert time.monotonic() - started < 5.0  # about 0.5 s; exponential backtracking takes minutes


def test_rasa_does_not_take_the_rules_file_for_its_own_training_data():
    """Rasa reads every YAML file under data/ and takes one with a line starting
    'rules:' or 'stories:' for stories (hence `prohibited_language:`)."""
    import rasa.shared.data
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    assert not YAMLStoryReader.is_stories_file(RULES_FILE)
    assert not rasa.shared.data.is_nlu_file(str(RULES_FILE))
    assert not any(re.match(r"\s*(rules|stories|nlu|responses):", line)
                   for line in RULES_FILE.read_text(encoding="utf-8").splitlines())
