"""Loading, validating and merging compliance profiles (config/compliance.yml)."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from bot.compliance import ProfileError, effective_profile, load_profiles, purge_before
from bot.compliance.profiles import Cap

REQUIRED = {"US", "US-MA", "UK", "CN", "IN", "PH", "ID", "KE", "NG", "DEFAULT"}


def test_every_required_profile_exists_and_cites_a_source():
    profiles = load_profiles()
    assert REQUIRED <= set(profiles)
    assert all(p.source for p in profiles.values())


RETENTION = {"US": 3, "US-MA": 3, "UK": 6, "CN": 5, "IN": 5, "PH": 5, "ID": 5, "KE": 7, "NG": 6, "DEFAULT": 5}


@pytest.mark.parametrize("name, years", sorted(RETENTION.items()))
def test_retention_years(name, years):
    assert load_profiles()[name].retention_years == years


@pytest.mark.parametrize("name, now, cutoff", [
    ("US", datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc), date(2023, 11, 30)),
    ("CN", date(2026, 11, 30), date(2021, 11, 30)),
    ("US", date(2028, 2, 29), date(2025, 2, 28)),   # leap day falls back to 28 February
    ("KE", date(2026, 1, 1), date(2019, 1, 1)),
])
def test_purge_before(name, now, cutoff):
    assert purge_before(load_profiles()[name], now) == cutoff


def test_purge_before_uses_the_strictest_retention():
    merged = effective_profile(["US", "CN"])
    assert purge_before(merged, date(2026, 6, 1)) == date(2021, 6, 1)


def test_merge_us_and_massachusetts():
    p = effective_profile(["US", "US-MA"])
    assert p.name == "US+US-MA"
    assert p.caps == (Cap(2, 7),)
    assert p.cooldown_days == 7
    assert p.window[0] == (time(8), time(21))
    assert any("debt collector" in d for d in p.disclosures["debt_collection"])


def test_merge_takes_narrowest_window_every_cap_and_longest_retention():
    p = effective_profile(["IN", "ID", "CN"])
    assert p.window[1] == (time(8), time(19))          # IN ends earliest
    assert p.window[6] is None                          # ID closes Sunday
    assert set(p.caps) == {Cap(3, 1), Cap(3, 7)}        # CN's daily cap and the weekly cap both hold
    assert p.retention_years == 5
    assert "退订" in p.channel_keywords and "BERHENTI" in p.channel_keywords
    proactive = " ".join(p.disclosures["proactive"])
    assert "退订" in proactive and "BERHENTI" in proactive


def test_merge_of_disjoint_windows_is_closed():
    profiles = load_profiles()
    early = profiles["PH"].__class__(**{**profiles["PH"].__dict__, "name": "EARLY",
                                        "window": ((time(6), time(8)),) * 7})
    merged = effective_profile(["EARLY", "US"], {"EARLY": early, "US": profiles["US"], "DEFAULT": profiles["DEFAULT"]})
    assert merged.window == (None,) * 7


def test_no_names_means_default_and_unknown_is_an_error():
    assert effective_profile([]).name == "DEFAULT"
    with pytest.raises(ProfileError, match="unknown jurisdiction 'FR'"):
        effective_profile(["US", "FR"])


GOOD = """
profiles:
  DEFAULT:
    contact_window: {all: "08:00-20:00"}
    frequency_caps: [{count: 3, window_days: 7}]
    cooldown_days_after_conversation: 1
    disclosures: {first_message: ["Hi from {lender}"]}
    retention_years: 5
"""


@pytest.mark.parametrize("old, new, message", [
    ('"08:00-20:00"', '"8am-8pm"', "must be 'HH:MM-HH:MM' or 'closed'"),
    ('"08:00-20:00"', '"20:00-08:00"', "end must be after start"),
    ('{all: "08:00-20:00"}', '{all: "08:00-20:00", funday: closed}', "unknown day"),
    ("count: 3", "count: 0", r"profiles\.DEFAULT\.frequency_caps\[0\]\.count: must be a whole number >= 1, got 0"),
    ("count: 3", "count: three", r"frequency_caps\[0\]\.count: must be a whole number >= 1, got 'three'"),
    ("retention_years: 5", "", r"profiles\.DEFAULT\.retention_years: missing"),
    ("first_message", "last_message", r"profiles\.DEFAULT\.disclosures\.last_message: not a disclosure"),
    ("DEFAULT", "US", "must define a DEFAULT profile"),
])
def test_validation_errors_name_the_problem(tmp_path, old, new, message):
    path = tmp_path / "compliance.yml"
    path.write_text(GOOD.replace(old, new), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_profiles(str(path))


def test_valid_minimal_file_loads(tmp_path):
    path = tmp_path / "compliance.yml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_profiles(str(path))["DEFAULT"].caps == (Cap(3, 7),)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        load_profiles(str(tmp_path / "nope.yml"))
    bad = tmp_path / "bad.yml"
    bad.write_text("profiles: [unclosed", encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profiles(str(bad))
