"""Outbound messages through the providers: `send(Outgoing(...))` picks the adapter.

- email -> SMTP (email.py);
- whatsapp -> Twilio (twilio.py);
- sms -> Africa's Talking for a Kenyan number (+254) when AT_API_KEY is set,
  otherwise SMS_PROVIDER (twilio by default, or africastalking).

Synchronous: the scheduler's workers call it directly; async code (the
inbound channels' replies) runs it in a thread. Settings, errors and results
are described in base.py and docs/channels.md.
"""
from __future__ import annotations

from bot.channels.providers import africastalking, email, twilio
from bot.channels.providers.base import Outgoing, ProviderError, ProviderSettings, SendResult, check_outgoing

__all__ = ["Outgoing", "ProviderError", "ProviderSettings", "SendResult", "send", "sms_provider"]

KENYA = "+254"


def sms_provider(to: str, settings: ProviderSettings) -> str:
    """Which provider carries an SMS to `to`."""
    if to.startswith(KENYA) and settings.at_api_key:
        return africastalking.PROVIDER
    return settings.sms_provider


def send(outgoing: Outgoing, settings: ProviderSettings | None = None) -> SendResult:
    """Send one message; ValueError for a malformed Outgoing, ProviderError when the outcome is unknown."""
    check_outgoing(outgoing)
    settings = settings if settings is not None else ProviderSettings.from_env()
    if outgoing.channel == "email":
        return email.send(outgoing, settings)
    if outgoing.channel == "sms" and sms_provider(outgoing.to, settings) == africastalking.PROVIDER:
        return africastalking.send(outgoing, settings)
    return twilio.send(outgoing, settings)
