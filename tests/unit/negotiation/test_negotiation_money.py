from decimal import Decimal as D

import pytest

from bot.negotiation.money import fmt, minor_units, quantize, quantize_down, quantize_up, unit


@pytest.mark.parametrize("code, exp", [
    ("KES", 2), ("NGN", 2), ("INR", 2), ("PHP", 2), ("USD", 2), ("GBP", 2), ("IDR", 2),
    ("CNY", 2), ("EUR", 2), ("GHS", 2), ("UGX", 0), ("TZS", 2), ("ZAR", 2), ("JPY", 0),
    ("jpy", 0), ("XYZ", 2),
])
def test_minor_units(code, exp):
    assert minor_units(code) == exp


def test_unit():
    assert unit("KES") == D("0.01")
    assert unit("JPY") == D("1")


def test_quantize_rounds_half_up():
    assert quantize(D("1.005"), "KES") == D("1.01")
    assert quantize(D("1.004"), "KES") == D("1.00")
    assert quantize(D("2.5"), "JPY") == D("3")
    assert quantize(D("-2.5"), "JPY") == D("-3")
    assert str(quantize(3500, "KES")) == "3500.00"
    assert str(quantize("12000", "UGX")) == "12000"


def test_directed_rounding():
    assert quantize_up(D("1.001"), "USD") == D("1.01")
    assert quantize_down(D("1.009"), "USD") == D("1.00")


@pytest.mark.parametrize("bad", [1.5, True, None, [1]])
def test_quantize_refuses_non_decimal(bad):
    with pytest.raises(TypeError):
        quantize(bad, "KES")


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_quantize_refuses_junk(bad):
    with pytest.raises(ValueError):
        quantize(bad, "KES")


def test_fmt():
    assert fmt(D("3500"), "KES") == "KES 3,500.00"
    assert fmt(D("1166.666"), "kes") == "KES 1,166.67"
    assert fmt(D("12000"), "JPY") == "JPY 12,000"
    assert fmt(D("1234567.5"), "UGX") == "UGX 1,234,568"
    assert fmt(D("-5"), "USD") == "-USD 5.00"
    assert fmt(D("0.5"), "GBP") == "GBP 0.50"
