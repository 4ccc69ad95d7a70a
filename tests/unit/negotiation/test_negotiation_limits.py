import json
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from bot.negotiation.limits import (
    ProductConfigError, as_dict, limits_for, load_products, parse_products)

CONFIG = Path(__file__).resolve().parents[3] / "config" / "products.yml"


def raw_config():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def test_shipped_config_loads():
    products = load_products(CONFIG)
    assert set(products) == {"WALLET-30", "WALLET-90", "SME-180"}
    wallet = products["WALLET-30"]
    assert wallet.version == "2026-11-30.1"
    s, h = wallet.standard, wallet.hardship
    assert (s.max_deferral_days, s.max_instalments, s.max_plan_days) == (14, 3, 60)
    assert s.max_waiver_percent == 0 and s.max_arrangements == 2
    assert s.min_instalment_percent == D("10")
    assert (h.max_deferral_days, h.max_instalments, h.max_plan_days) == (30, 6, 120)
    assert h.max_waiver_percent == D("50")
    assert products["SME-180"].standard.max_plan_days > s.max_plan_days


def test_limits_for_picks_the_block():
    wallet = load_products(CONFIG)["WALLET-30"]
    assert limits_for(wallet, hardship=False) is wallet.standard
    assert limits_for(wallet, hardship=True) is wallet.hardship


def test_min_instalment_amount_per_currency():
    s = load_products(CONFIG)["WALLET-30"].standard
    assert s.min_instalment_amount("KES") == D("200.00")
    assert s.min_instalment_amount("JPY") == D("300")
    assert s.min_instalment_amount("MXN") == D("2.00")  # default


def test_min_instalment_is_larger_floor_capped_at_payable():
    s = load_products(CONFIG)["WALLET-30"].standard
    assert s.min_instalment(D("3500.00"), "KES") == D("350.00")  # 10 % beats KES 200
    assert s.min_instalment(D("1000.00"), "KES") == D("200.00")  # KES 200 beats 10 %
    assert s.min_instalment(D("150.00"), "KES") == D("150.00")  # never above what is owed
    assert s.min_instalment(D("3333.33"), "KES") == D("333.34")  # rounded up, never down
    assert s.min_down_payment(D("3333.33"), "KES") == D("333.34")


def test_as_dict_is_json_safe_and_float_free():
    data = as_dict(load_products(CONFIG)["WALLET-30"])
    text = json.dumps(data)
    assert data["standard"]["min_instalment_amount"]["KES"] == "200"
    assert data["hardship"]["max_waiver_percent"] == "50"
    assert data["standard"]["frequencies_days"] == [7, 14, 30]
    assert data["version"] == "2026-11-30.1"

    def no_floats(value):
        if isinstance(value, dict):
            return all(no_floats(v) for v in value.values())
        if isinstance(value, list):
            return all(no_floats(v) for v in value)
        return not isinstance(value, float)
    assert no_floats(json.loads(text))


def _broken(edit):
    data = raw_config()
    edit(data)
    return data


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["products"]["WALLET-30"]["standard"].pop("max_instalments"),
     "products.WALLET-30.standard.max_instalments: missing"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(max_deferral_days=-1),
     "products.WALLET-30.standard.max_deferral_days: must be a whole number >= 0, got -1"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(max_waiver_percent=-5),
     "standard.max_waiver_percent: must be a number from 0 to 100, got -5"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_percent=120),
     "standard.min_instalment_percent: must be a number from 0 to 100, got 120"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(max_instalment=3),
     "standard.max_instalment: unknown key"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(max_instalments="three"),
     "standard.max_instalments: must be a whole number >= 1, got 'three'"),
    (lambda d: d["products"]["WALLET-30"]["hardship"].update(max_deferral_days=7),
     "products.WALLET-30.hardship.max_deferral_days: 7 is narrower than standard 14"),
    (lambda d: d["products"]["WALLET-30"]["hardship"].update(min_instalment_percent=20),
     "hardship.min_instalment_percent: 20 is stricter than standard 10"),
    (lambda d: d["products"]["WALLET-30"]["hardship"].update(frequencies_days=[30]),
     "hardship.frequencies_days: must include every standard frequency"),
    (lambda d: d["products"]["WALLET-30"]["hardship"].update(min_instalment_amount={"default": 1, "KES": 500}),
     "hardship.min_instalment_amount.KES: stricter than standard"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_amount={"KES": 200}),
     "needs a 'default' entry"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_amount={"default": 1, "Kenya": 2}),
     "'Kenya' is not an ISO 4217 currency code"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_amount={"default": 1, "JPY": 0.5}),
     "JPY: 0.5 has more than 0 decimals"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(frequencies_days=[]),
     "frequencies_days: expected a non-empty list"),
    (lambda d: d["products"]["WALLET-30"]["standard"].update(promise_window_days=0),
     "standard.promise_window_days: must be a whole number >= 1, got 0"),
    (lambda d: d["products"]["WALLET-30"].pop("hardship"), "products.WALLET-30.hardship: missing"),
    (lambda d: d.pop("version"), "version: missing"),
    (lambda d: d.update(products={}), "products: expected a non-empty mapping"),
    (lambda d: d.update(ladder=["deferral", "pay_in_full", "person"]), "ladder: steps must appear once"),
])
def test_config_errors_name_the_key(edit, message):
    with pytest.raises(ProductConfigError) as err:
        parse_products(_broken(edit))
    assert message in str(err.value)


def test_yaml_float_percent_is_read_exactly():
    data = _broken(lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_percent=2.5))
    data["products"]["WALLET-30"]["hardship"]["min_instalment_percent"] = 2.5
    assert parse_products(data)["WALLET-30"].standard.min_instalment_percent == D("2.5")


def test_scalar_floor_means_default():
    data = _broken(lambda d: d["products"]["WALLET-30"]["standard"].update(min_instalment_amount=5))
    data["products"]["WALLET-30"]["hardship"]["min_instalment_amount"] = 1
    s = parse_products(data)["WALLET-30"].standard
    assert s.min_instalment_amount("KES") == D("5.00")


def test_load_products_reports_path(tmp_path):
    bad = tmp_path / "products.yml"
    bad.write_text("version: 1\nproducts: [", encoding="utf-8")
    with pytest.raises(ProductConfigError, match="not valid YAML"):
        load_products(bad)
    with pytest.raises(ProductConfigError, match="cannot read"):
        load_products(tmp_path / "missing.yml")
