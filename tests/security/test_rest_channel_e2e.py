"""The REST channel of the real Rasa server: no other channel's sender ids, no
Telegram identity, always `input_channel: rest` (unit cases in test_rest_channel.py)."""
from __future__ import annotations

import json
import secrets

import pytest

from tests.security.http import call

pytestmark = pytest.mark.e2e


def test_rest_refuses_other_channels_ids_and_strips_telegram_metadata(stack):
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    for sender in ("tg-5551234567-0123456789abcdef", "web-" + secrets.token_hex(16)):
        status, _, raw = call("POST", url, {"sender": sender, "message": "hi"})
        assert status == 400 and "belong to other channels" in json.loads(raw)["error"]
        status, _, raw = call("GET", stack.rasa_api(f"/conversations/{sender}/tracker"))
        assert status == 200 and not [e for e in json.loads(raw)["events"] if e["event"] == "user"]
    sender = f"rest-e2e-{secrets.token_hex(4)}"
    claim = {"telegram_user_id": 5551234567, "telegram_phone": "+254712345678", "timezone": "Africa/Nairobi"}
    status, _, raw = call("POST", url, {"sender": sender, "message": "hi", "metadata": claim,
                                        "input_channel": "telegram"}, timeout=60)
    assert status == 200 and "linked to your" not in raw.decode()
    status, _, raw = call("GET", stack.rasa_api(f"/conversations/{sender}/tracker"))
    [said] = [e for e in json.loads(raw)["events"] if e["event"] == "user"]
    assert said["metadata"]["timezone"] == "Africa/Nairobi" and said["input_channel"] == "rest"
    assert not [key for key in said["metadata"] if key.startswith("telegram_")], said["metadata"]
