"""Hostile bodies the fuzzer found crashing the web server (500s), now refused with a 400 message."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.web import console_rules, validate

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("raw,message", [
    (b"[" * 60_000, "not valid JSON|nested too deeply"),          # RecursionError in json.loads
    (b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "nested too deeply"),
    (b'{"a": ' + b"1" * 5_000 + b"}", "not valid JSON"),          # int over 4300 digits: plain ValueError
    (b'{"text": "\\ud800"}', "lone surrogate"),
    (b'{"\\udfff": 1}', "lone surrogate"),
    (b'{"a": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}', "nested too deeply"),
    (b"\xed\xa0\x80", "not valid JSON"),                          # a surrogate encoded in UTF-8
])
def test_hostile_json_is_a_bad_request(raw, message):
    with pytest.raises(validate.BadRequest, match=message):
        validate.json_object(raw)


def test_a_surrogate_pair_is_a_character_not_an_error():
    assert validate.json_object(b'{"text": "\\ud83d\\ude00"}') == {"text": "\U0001F600"}


def test_sixteen_levels_are_accepted():
    assert validate.json_object(b'{"a": ' + b"[" * 15 + b"]" * 15 + b"}")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:30:00+14:00"])
def test_paid_at_before_year_one_in_utc_is_out_of_range(value):
    with pytest.raises(validate.BadRequest, match="out of range"):
        validate.paid_at(value, NOW)


@pytest.mark.parametrize("kind", [["deferral"], {"deferral": 1}, 5, None])
def test_arrangement_kind_of_a_wrong_type_is_a_bad_request(kind):
    with pytest.raises(console_rules.BadRequest, match="kind: one of"):
        console_rules.arrangement_form({"kind": kind})
