"""Email replies (bot/channels/email_input.py): Mailgun's signed inbound route into the conversation,
the bot's answer back over real SMTP (a local aiosmtpd server)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

import pytest

from bot.channels.email_input import MailgunInput, address_of, valid_signature
from bot.channels.providers import ProviderSettings
from bot.channels.sms import BadForm, ConfigError
from bot.channels.sms_config import MAILGUN, sections_from_env
from tests.support.fake_providers import smtp_server
from tests.unit.channels.test_sms_input import Harness

KEY = "mailgun-signing-key-" + secrets.token_hex(8)


def signed(sender: str = "Amina Otieno <Amina@Example.com>", text: str = "Can I pay in two parts?",
           key: str = KEY, age_s: int = 0, token: str | None = None) -> dict:
    """Signed the way Mailgun documents it, independently of the code under test."""
    timestamp, token = str(int(time.time()) - age_s), token or secrets.token_hex(25)
    signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {"sender": sender, "recipient": "help@lender.example", "subject": "Re: A message from Tawi Credit",
            "body-plain": f"{text}\n\nOn Mon, Tawi wrote:\n> Hello", "stripped-text": text,
            "timestamp": timestamp, "token": token, "signature": signature}


@pytest.fixture
def mail():
    with smtp_server() as (port, received):
        settings = ProviderSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="help@lender.example",
                                    smtp_starttls=False)
        harness = Harness(MailgunInput(KEY, settings=settings))
        yield harness, received
        harness.close()


def post(harness: Harness, form: dict):
    return harness.post("/webhooks/mailgun/webhook", urlencode(form).encode())


def test_a_signed_reply_joins_the_borrowers_email_conversation_and_is_answered_by_email(mail):
    harness, received = mail
    assert post(harness, signed()).status_code == 200
    [message] = harness.parsed
    assert (message.sender_id, message.text, message.input_channel) == \
        ("email:amina@example.com", "Can I pay in two parts?", "mailgun")
    assert message.metadata == {"email_from": "amina@example.com"}
    [answer] = received
    assert answer.rcpt_tos == ["amina@example.com"] and answer.message["Subject"] == "Re: your message"
    assert "parsed: Can I pay in two parts?" in answer.message.get_content()


@pytest.mark.parametrize("form", [
    signed(key="another-key-0123456789abcdef"),
    signed(age_s=16 * 60),
    {k: v for k, v in signed().items() if k != "signature"},
])
def test_a_wrong_stale_or_missing_signature_is_refused(mail, form):
    harness, received = mail
    assert post(harness, form).status_code == 403
    assert harness.parsed == [] and received == []


def test_a_replayed_post_is_refused(mail):
    harness, _ = mail
    form = signed()
    assert post(harness, form).status_code == 200
    assert post(harness, form).status_code == 403
    assert len(harness.parsed) == 1


def test_a_post_without_a_sender_address_is_a_clear_400(mail):
    harness, _ = mail
    answer = post(harness, signed(sender="not an address"))
    assert answer.status_code == 400 and "sender" in answer.json()["error"]


def test_addresses_signatures_and_credentials():
    assert address_of("Amina <AMINA@example.com>") == "amina@example.com"
    with pytest.raises(BadForm):
        address_of("")
    now = time.time()
    form = signed()
    assert valid_signature(KEY, form["timestamp"], form["token"], form["signature"], now)
    assert not valid_signature(KEY, form["timestamp"], form["token"], form["signature"], now + 16 * 60)
    with pytest.raises(ConfigError, match="signing_key"):
        MailgunInput.from_credentials({"signing_key": "short"})
    assert MailgunInput.from_credentials({"signing_key": KEY}).signing_key == KEY
    assert sections_from_env({"MAILGUN_SIGNING_KEY": KEY}) == {MAILGUN: {"signing_key": KEY}}
