"""Small pure pieces of bot/web: configuration, bearer parsing, session ids."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.web.auth import bearer_token, token_matches
from bot.web.config import load_config
from bot.web.rasa_socketio import SESSION_ID, new_session_id, resumed_session_id, session_secret
from tests.support.config_files import write_variant


@pytest.fixture()
def bot_yml(tmp_path) -> Path:
    path = tmp_path / "bot.yml"
    return write_variant(path, "bot.yml", {"lender": {"name": "Acme Loans", "assistant_name": "Acme Bot"},
                                           "ports": {"rasa": 6005, "web": 8100}})


def test_ports_come_from_bot_yml(bot_yml):
    config = load_config({}, bot_yml)
    assert (config.host, config.port) == ("127.0.0.1", 8100)
    assert config.rasa_url == "http://localhost:6005"
    assert (config.lender_name, config.assistant_name) == ("Acme Loans", "Acme Bot")
    assert config.admin_token is None


def test_environment_overrides_bot_yml(bot_yml):
    config = load_config({"WEB_PORT": "9001", "WEB_HOST": "0.0.0.0", "RASA_URL": "https://chat.example/rasa/",
                          "ADMIN_TOKEN": "  tok  "}, bot_yml)
    assert (config.host, config.port) == ("0.0.0.0", 9001)
    assert config.rasa_url == "https://chat.example/rasa"
    assert config.admin_token == "tok"


@pytest.mark.parametrize("env,message", [
    ({"WEB_PORT": "eighty"}, "WEB_PORT"),
    ({"WEB_PORT": "70000"}, "1-65535"),
    ({"RASA_URL": "localhost:5005"}, "RASA_URL"),
    ({"RASA_URL": "ftp://x"}, "RASA_URL"),
])
def test_bad_configuration_is_named(bot_yml, env, message):
    with pytest.raises(ValueError, match=message):
        load_config(env, bot_yml)


@pytest.mark.parametrize("header,token", [
    ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("BEARER abc", "abc"),
    (None, None), ("", None), ("Bearer", None), ("Basic abc", None), ("abc", None),
])
def test_bearer_token(header, token):
    assert bearer_token(header) == token


def test_token_matches_only_the_exact_token():
    assert token_matches("s3cret-é", "s3cret-é")
    assert not token_matches("s3cret", "s3cret-é")
    assert not token_matches(None, "s3cret")


def test_session_ids_resume_only_with_their_secret():
    key = b"web-units-channel-secret"
    issued = new_session_id()
    assert SESSION_ID.match(issued) and new_session_id() != issued
    assert resumed_session_id(issued, session_secret(issued, key), key) == issued
    for wrong in (None, "", "0" * 64, session_secret(new_session_id(), key), session_secret(issued, b"other key")):
        assert resumed_session_id(issued, wrong, key) != issued
    # Ids the server did not issue never resume, whatever secret comes with them.
    for weak in (None, "", "1", "admin", "a" * 200, "../../etc", 42, {"x": 1}, "0123456789abcdef0123456789abcdef"):
        new = resumed_session_id(weak, session_secret(str(weak), key), key)
        assert new != weak and SESSION_ID.match(new)


def test_rasa_port_from_environment_moves_the_default_rasa_url(bot_yml):
    assert load_config({"RASA_PORT": "7005"}, bot_yml).rasa_url == "http://localhost:7005"
