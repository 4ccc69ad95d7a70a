"""config/compliance.yml `phone_region`: which national phone format the import
reads for a jurisdiction; a code phonenumbers does not know stops start-up
naming the key (an import would otherwise refuse every national number)."""
from __future__ import annotations

import pytest

from bot.config.compliance import load_compliance
from bot.config.errors import ConfigError
from tests.support.config_files import write_variant


def test_shipped_profiles_name_their_regions():
    profiles = load_compliance().profiles
    assert profiles["UK"].phone_region == "GB" and profiles["US-MA"].phone_region == "US"
    assert profiles["DEFAULT"].phone_region is None


@pytest.mark.parametrize("value", ["UK", "XX", "ke", 254, ""])
def test_an_unknown_region_names_the_key(tmp_path, value):
    path = write_variant(tmp_path / "compliance.yml", "compliance.yml", {"profiles": {"KE": {"phone_region": value}}})
    with pytest.raises(ConfigError, match=f"compliance.yml: profiles.KE.phone_region: {value!r} is not a phone region"):
        load_compliance(path)


def test_a_profile_without_a_region_is_valid(tmp_path):
    path = write_variant(tmp_path / "compliance.yml", "compliance.yml", {"profiles": {"KE": {"phone_region": None}}})
    assert load_compliance(path).profiles["KE"].phone_region is None
