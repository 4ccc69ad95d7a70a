"""The provider adapters against local fakes of Twilio and Africa's Talking and a real SMTP server.

tests/support/fake_providers.py speaks the providers' HTTP APIs and records
each message; aiosmtpd is a real SMTP server on a free local port. Nothing
here reaches the network.
"""
from __future__ import annotations

import dataclasses
import socket

import pytest
import requests

from bot.channels.providers import Outgoing, ProviderError, ProviderSettings, SendResult, send, sms_provider
from bot.channels.providers.africastalking import parse_delivery_report
from bot.channels.providers.twilio import compute_signature, parse_status_callback, valid_signature
from tests.support.fake_providers import AT_KEY, AT_USERNAME, SID, TOKEN, FakeProviders, smtp_server

KENYA, US = "+254712345678", "+14155550100"
CALLBACK = "https://bot.example.com/webhooks/twilio/status"


@pytest.fixture(scope="module")
def fake():
    server = FakeProviders().start()
    yield server
    server.stop()


@pytest.fixture
def settings(fake) -> ProviderSettings:
    fake._failures.clear()
    return ProviderSettings.from_env({
        "TWILIO_BASE_URL": fake.base_url, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_SMS_FROM": "+15005550006", "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_STATUS_CALLBACK_URL": CALLBACK,
        "AT_BASE_URL": fake.base_url, "AT_USERNAME": AT_USERNAME, "AT_API_KEY": AT_KEY, "AT_SENDER_ID": "LENDER",
    })


def last(fake, provider: str) -> dict:
    return fake.sent(provider)[-1]


# --- Twilio -----------------------------------------------------------------------

def test_sms_goes_to_twilio_with_exactly_these_fields(fake, settings):
    result = send(Outgoing("sms", US, "Your instalment is due on Friday.", key="LN-1:reminder-d3:2026-12-01"),
                  settings)
    message = last(fake, "twilio")
    assert result == SendResult("twilio", message["id"], True)
    assert message["form"] == {"To": US, "From": "+15005550006", "Body": "Your instalment is due on Friday.",
                               "StatusCallback": CALLBACK}


def test_whatsapp_prefixes_both_numbers_and_never_goes_to_africastalking(fake, settings):
    result = send(Outgoing("whatsapp", KENYA, "Hello"), settings)
    message = last(fake, "twilio")
    assert result.provider == "twilio" and result.accepted and result.provider_id == message["id"]
    assert (message["form"]["To"], message["form"]["From"]) == ("whatsapp:" + KENYA, "whatsapp:+14155238886")


def test_no_status_callback_field_when_none_is_configured(fake, settings):
    send(Outgoing("sms", US, "Hi"), dataclasses.replace(settings, twilio_status_callback_url=""))
    assert "StatusCallback" not in last(fake, "twilio")["form"]


def test_wrong_twilio_credentials_are_a_refusal_with_twilios_words(fake, settings):
    before = len(fake.messages)
    result = send(Outgoing("sms", US, "Hi"), dataclasses.replace(settings, twilio_auth_token="wrong"))
    assert result == SendResult("twilio", "", False, "20003: Authenticate")
    assert len(fake.messages) == before


def test_twilio_error_json_is_a_refusal(fake, settings):
    fake.refuse("+14155550199")
    result = send(Outgoing("sms", "+14155550199", "Hi"), settings)
    assert not result.accepted and result.provider_id == ""
    assert result.error == "21211: The 'To' number +14155550199 is not a valid phone number."


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_twilio_transport_failure_is_a_provider_error(fake, settings, mode):
    fake.fail_next(mode)
    before = len(fake.messages)
    with pytest.raises(ProviderError, match="twilio"):
        send(Outgoing("sms", US, "Hi"), settings)
    assert len(fake.messages) == before
    assert send(Outgoing("sms", US, "Hi"), settings).accepted  # the failure was for one request only


def test_an_unreachable_provider_is_a_provider_error(settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    with pytest.raises(ProviderError, match="ConnectionError"):
        send(Outgoing("sms", US, "Hi"), dataclasses.replace(settings, twilio_base_url=closed))


# --- Africa's Talking ----------------------------------------------------------------

def test_kenyan_sms_goes_to_africastalking_with_exactly_these_fields(fake, settings):
    twilio_before = len(fake.sent("twilio"))
    result = send(Outgoing("sms", KENYA, "Malipo yako yanadaiwa Ijumaa."), settings)
    message = last(fake, "africastalking")
    assert result == SendResult("africastalking", message["id"], True)
    assert message["id"].startswith("ATXid_")
    assert message["form"] == {"username": AT_USERNAME, "to": KENYA, "message": "Malipo yako yanadaiwa Ijumaa.",
                               "from": "LENDER"}
    assert len(fake.sent("twilio")) == twilio_before


def test_routing_rules(settings):
    assert sms_provider(KENYA, settings) == "africastalking"
    assert sms_provider(US, settings) == "twilio"
    assert sms_provider(KENYA, dataclasses.replace(settings, at_api_key="")) == "twilio"
    assert sms_provider(US, dataclasses.replace(settings, sms_provider="africastalking")) == "africastalking"


def test_no_from_field_without_a_sender_id(fake, settings):
    send(Outgoing("sms", KENYA, "Hi"), dataclasses.replace(settings, at_sender_id=""))
    assert "from" not in last(fake, "africastalking")["form"]


@pytest.mark.parametrize("change", [{"at_api_key": "wrong"}, {"at_username": "someone-else"}])
def test_wrong_africastalking_credentials_are_a_refusal(fake, settings, change):
    before = len(fake.messages)
    result = send(Outgoing("sms", KENYA, "Hi"), dataclasses.replace(settings, **change))
    assert result == SendResult("africastalking", "", False, "HTTP 401: The supplied authentication is invalid")
    assert len(fake.messages) == before


def test_africastalking_recipient_error_is_a_refusal(fake, settings):
    fake.refuse("+254700000001")
    result = send(Outgoing("sms", "+254700000001", "Hi"), settings)
    assert result == SendResult("africastalking", "", False, "403: InvalidPhoneNumber")


@pytest.mark.parametrize("mode", ["500", "drop"])
def test_africastalking_transport_failure_is_a_provider_error(fake, settings, mode):
    fake.fail_next(mode)
    with pytest.raises(ProviderError, match="africastalking"):
        send(Outgoing("sms", KENYA, "Hi"), settings)


# --- configuration and bad messages ----------------------------------------------------

@pytest.mark.parametrize("outgoing, variable", [
    (Outgoing("sms", US, "Hi"), "TWILIO_ACCOUNT_SID"),
    (Outgoing("whatsapp", US, "Hi"), "TWILIO_ACCOUNT_SID"),
    (Outgoing("email", "borrower@example.com", "Hi", subject="s"), "SMTP_HOST"),
])
def test_missing_variable_is_named(outgoing, variable):
    with pytest.raises(ProviderError, match=f"^{variable} is not set"):
        send(outgoing, ProviderSettings.from_env({}))


@pytest.mark.parametrize("change, variable", [
    ({"twilio_auth_token": ""}, "TWILIO_AUTH_TOKEN"), ({"twilio_sms_from": ""}, "TWILIO_SMS_FROM"),
])
def test_each_missing_twilio_variable_is_named(settings, change, variable):
    with pytest.raises(ProviderError, match=f"^{variable} is not set"):
        send(Outgoing("sms", US, "Hi"), dataclasses.replace(settings, **change))


def test_missing_whatsapp_sender_and_africastalking_username_are_named(settings):
    with pytest.raises(ProviderError, match="^TWILIO_WHATSAPP_FROM is not set"):
        send(Outgoing("whatsapp", US, "Hi"), dataclasses.replace(settings, twilio_whatsapp_from=""))
    with pytest.raises(ProviderError, match="^AT_USERNAME is not set"):
        send(Outgoing("sms", KENYA, "Hi"), dataclasses.replace(settings, at_username=""))
    with pytest.raises(ProviderError, match="^AT_API_KEY is not set"):
        send(Outgoing("sms", KENYA, "Hi"), dataclasses.replace(settings, sms_provider="africastalking",
                                                                 at_api_key=""))


@pytest.mark.parametrize("environ, variable", [
    ({"SMS_PROVIDER": "nexmo"}, "SMS_PROVIDER"), ({"SMTP_PORT": "smtp"}, "SMTP_PORT"),
    ({"SMTP_PORT": "70000"}, "SMTP_PORT"), ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
])
def test_malformed_variables_are_named(environ, variable):
    with pytest.raises(ProviderError, match=f"^{variable} must be"):
        ProviderSettings.from_env(environ)


def test_defaults():
    settings = ProviderSettings.from_env({})
    assert (settings.sms_provider, settings.twilio_base_url, settings.at_base_url) == (
        "twilio", "https://api.twilio.com", "https://api.africastalking.com")
    assert (settings.smtp_port, settings.smtp_starttls) == (587, True)


@pytest.mark.parametrize("outgoing", [
    Outgoing("fax", US, "Hi"), Outgoing("sms", "0712345678", "Hi"), Outgoing("sms", US + "\n", "Hi"), Outgoing("whatsapp", "whatsapp:" + US, "Hi"),
    Outgoing("sms", US, "  "), Outgoing("email", "not-an-address", "Hi"),
    Outgoing("email", "a@example.com", "Hi", subject="Hello\nBcc: everyone@example.com"),
])
def test_malformed_messages_are_the_callers_bug(fake, settings, outgoing):
    before = len(fake.messages)
    with pytest.raises(ValueError):
        send(outgoing, settings)
    assert len(fake.messages) == before


# --- callbacks ----------------------------------------------------------------------------

@pytest.mark.parametrize("twilio, ours", [("queued", "queued"), ("sending", "queued"), ("sent", "sent"),
                                          ("delivered", "delivered"), ("undelivered", "undelivered"),
                                          ("failed", "failed"), ("read", "read")])
def test_twilio_status_callback_is_normalised(twilio, ours):
    assert parse_status_callback({"MessageSid": "SM" + "a" * 32, "MessageStatus": twilio}) == ("SM" + "a" * 32, ours)


@pytest.mark.parametrize("form", [{"MessageStatus": "sent"}, {"MessageSid": "SM1", "MessageStatus": "lost"},
                                  {"MessageSid": "SM1"}])
def test_a_form_that_is_not_a_status_callback_is_refused(form):
    with pytest.raises(ValueError):
        parse_status_callback(form)


@pytest.mark.parametrize("at, ours", [("Success", "delivered"), ("Sent", "sent"), ("Buffered", "queued"),
                                      ("Rejected", "failed"), ("Failed", "undelivered")])
def test_africastalking_delivery_report_is_normalised(at, ours):
    assert parse_delivery_report({"id": "ATXid_1", "status": at}) == ("ATXid_1", ours)


@pytest.mark.parametrize("form", [{"status": "Success"}, {"id": "ATXid_1", "status": "Lost"}])
def test_a_form_that_is_not_a_delivery_report_is_refused(form):
    with pytest.raises(ValueError):
        parse_delivery_report(form)


def test_twilio_signature_matches_twilios_published_example():
    """The worked example in Twilio's security docs (auth token 12345)."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    form = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
            "To": "+18005551212"}
    assert compute_signature("12345", url, form) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert valid_signature("12345", url, form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not valid_signature("12345", url, {**form, "Digits": "1235"}, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not valid_signature("12345", url + "&x=1", form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not valid_signature("", url, form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not valid_signature("12345", url, form, None)


def test_fake_posts_signed_status_callbacks_and_delivery_reports(fake, settings, monkeypatch):
    """The fake's callbacks carry what the parsers read (the lead's receivers get the same forms)."""
    twilio_id = send(Outgoing("sms", US, "Hi"), settings).provider_id
    at_id = send(Outgoing("sms", KENYA, "Hi"), settings).provider_id
    seen = []

    def capture(request, *args, **kwargs):
        seen.append((request, kwargs.get("data"), kwargs.get("headers") or {}))
        return requests.Response()

    monkeypatch.setattr(requests, "post", capture)
    fake.twilio_status(twilio_id, "delivered", CALLBACK)
    fake.at_delivery_report(at_id, "Success", "https://bot.example.com/webhooks/africastalking/report")
    (url1, form1, headers1), (_, form2, _) = seen
    assert parse_status_callback(form1) == (twilio_id, "delivered")
    assert valid_signature(TOKEN, url1, form1, headers1["X-Twilio-Signature"])
    assert parse_delivery_report(form2) == (at_id, "delivered")


# --- email --------------------------------------------------------------------------------

def smtp_settings(port: int, **change) -> ProviderSettings:
    return dataclasses.replace(ProviderSettings.from_env({
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_FROM": "Collections <collections@lender.example>",
        "SMTP_STARTTLS": "false"}), **change)


def test_email_reaches_a_real_smtp_server_with_subject_and_body():
    text = "Dear borrower,\n\nyour instalment of KES 1,500 is due on 24 December.\n"
    with smtp_server() as (port, received):
        result = send(Outgoing("email", "borrower@example.com", text, subject="Your instalment", key="LN-1:d3"),
                      smtp_settings(port))
    assert result.provider == "smtp" and result.accepted and result.error == ""
    [mail] = received
    assert mail.rcpt_tos == ["borrower@example.com"] and mail.mail_from == "collections@lender.example"
    assert mail.message["Subject"] == "Your instalment" and mail.message["To"] == "borrower@example.com"
    assert mail.message["Message-ID"] == result.provider_id and result.provider_id.endswith("@lender.example>")
    assert mail.message.get_content().replace("\r\n", "\n") == text  # CRLF on the wire


def test_a_refused_recipient_is_a_refusal_with_the_servers_words():
    with smtp_server(refused={"gone@example.com"}) as (port, received):
        result = send(Outgoing("email", "gone@example.com", "Hi", subject="s"), smtp_settings(port))
    assert result == SendResult("smtp", "", False, "550 5.1.1 No such user here")
    assert received == []


def test_starttls_against_a_server_without_it_is_a_provider_error():
    with smtp_server() as (port, received):
        with pytest.raises(ProviderError, match="smtp"):
            send(Outgoing("email", "a@example.com", "Hi", subject="s"), smtp_settings(port, smtp_starttls=True))
    assert received == []


def test_an_unreachable_smtp_server_is_a_provider_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ProviderError, match="smtp"):
        send(Outgoing("email", "a@example.com", "Hi", subject="s"), smtp_settings(port))
