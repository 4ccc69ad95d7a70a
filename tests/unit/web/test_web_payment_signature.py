"""The payment callback signature (bot/web/payment_signature.py) and its window setting."""
from __future__ import annotations

import pytest
import yaml

from bot.web.config import load_config
from bot.web.payment_signature import SignatureError, header_value, parse, sign, verify
from tests.support.config_files import write_variant

SECRET = "whsec-test-0123456789abcdef"
BODY = b'{"reference": "MPESA-1", "amount": "10.00"}'
NOW = 1_800_000_000


def test_a_correct_signature_verifies():
    signed = verify(SECRET, header_value(SECRET, NOW, BODY), BODY, now=NOW)
    assert signed.timestamp == NOW and signed.signature == sign(SECRET, NOW, BODY)


def test_the_signed_message_is_timestamp_dot_raw_body():
    import hashlib
    import hmac
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == expected


def test_upper_case_hex_and_spaces_are_accepted():
    header = f" t={NOW} , v1={sign(SECRET, NOW, BODY).upper()} "
    assert verify(SECRET, header, BODY, now=NOW).timestamp == NOW


def test_one_matching_v1_among_several_is_enough():
    header = f"t={NOW},v1={sign('old-secret-0123456789', NOW, BODY)},v1={sign(SECRET, NOW, BODY)},v0=ignored"
    assert verify(SECRET, header, BODY, now=NOW).signature == sign(SECRET, NOW, BODY)


@pytest.mark.parametrize("body", [BODY + b" ", BODY.replace(b"10.00", b"99.00"), b""])
def test_another_body_fails(body):
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header_value(SECRET, NOW, BODY), body, now=NOW)


def test_another_secret_fails():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, header_value("another-secret-0123456789", NOW, BODY), BODY, now=NOW)


@pytest.mark.parametrize("age,ok", [(0, True), (300, True), (301, False), (-300, True), (-301, False)])
def test_window_boundaries(age, ok):
    header = header_value(SECRET, NOW - age, BODY)
    if ok:
        assert verify(SECRET, header, BODY, now=NOW, tolerance_s=300)
    else:
        with pytest.raises(SignatureError, match="old|future"):
            verify(SECRET, header, BODY, now=NOW, tolerance_s=300)


def test_an_old_signature_says_how_old():
    with pytest.raises(SignatureError, match=r"1000 s old; at most 300 s"):
        verify(SECRET, header_value(SECRET, NOW - 1000, BODY), BODY, now=NOW)


def test_a_forged_mac_is_refused_before_the_clock_is_discussed():
    with pytest.raises(SignatureError, match="does not match"):
        verify(SECRET, f"t={NOW - 10_000},v1={'0' * 64}", BODY, now=NOW)


@pytest.mark.parametrize("header", [
    None, "", "   ", "v1=" + "0" * 64, f"t={NOW}", f"t={NOW},t={NOW},v1={'0' * 64}", "t=-5,v1=00",
    "t=1e9,v1=00", "t=" + "9" * 20 + ",v1=00", "garbage", "t=1,v1=" + "é" * 64, "x" * 2000,
])
def test_malformed_headers_are_refused(header):
    with pytest.raises(SignatureError):
        verify(SECRET, header, BODY, now=NOW)


def test_non_hex_mac_of_the_right_length_is_refused():
    with pytest.raises(SignatureError):
        verify(SECRET, f"t={NOW},v1={'g' * 64}", BODY, now=NOW)


def test_parse_keeps_every_v1():
    assert parse("t=5,v1=AA,v1=bb") == (5, ["aa", "bb"])


def test_window_setting(tmp_path):
    yml = tmp_path / "bot.yml"
    write_variant(yml, "bot.yml", {"payment_callback": {"signature_tolerance_seconds": 120}})
    assert load_config({}, yml).payment_tolerance_s == 120
    assert load_config({"PAYMENT_SIGNATURE_TOLERANCE_S": "60"}, yml).payment_tolerance_s == 60
    # A missing bot.yml stops the server (bot.config fails fast) instead of running on defaults.
    with pytest.raises(ValueError, match="missing.yml: cannot read: file not found"):
        load_config({}, tmp_path / "missing.yml")
    assert load_config({"PAYMENT_WEBHOOK_SECRET": "  s3cret  "}, yml).payment_webhook_secret == "s3cret"
    assert load_config({}, yml).payment_webhook_secret is None


@pytest.mark.parametrize("value,message", [
    ("0", "from 1 to 3600"), ("3601", "from 1 to 3600"), ("five", "whole number"), ("1.5", "whole number"),
])
def test_bad_window_setting_names_its_key(tmp_path, value, message):
    yml = tmp_path / "bot.yml"
    write_variant(yml, "bot.yml", {"payment_callback": {"signature_tolerance_seconds": yaml.safe_load(value)}})
    with pytest.raises(ValueError, match=f"payment_callback.signature_tolerance_seconds.*{message}"):
        load_config({}, yml)
    # The file is checked whole even when the environment overrides the value.
    with pytest.raises(ValueError, match=f"payment_callback.signature_tolerance_seconds.*{message}"):
        load_config({"PAYMENT_SIGNATURE_TOLERANCE_S": "60"}, yml)
    good = write_variant(tmp_path / "good.yml", "bot.yml")
    with pytest.raises(ValueError, match=f"PAYMENT_SIGNATURE_TOLERANCE_S.*{message}"):
        load_config({"PAYMENT_SIGNATURE_TOLERANCE_S": value}, good)


def test_payment_callback_must_be_a_mapping(tmp_path):
    yml = tmp_path / "bot.yml"
    write_variant(yml, "bot.yml", {"payment_callback": 300})
    with pytest.raises(ValueError, match="must be a mapping"):
        load_config({}, yml)
