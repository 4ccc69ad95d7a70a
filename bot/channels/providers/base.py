"""What every provider adapter shares: the message, the result, the one error, the settings.

The providers (Twilio, Africa's Talking, an SMTP server) are the edge of the
world. An adapter answers in one of two ways, and the difference matters to
the scheduler that calls it:

- a `SendResult`: the provider answered. `accepted=False` means it said no
  (bad number, blocked sender, wrong credentials) and nothing was sent, so
  the send can be recorded as failed with the provider's own words;
- a `ProviderError`: the answer never came or was a server error (timeout,
  dropped connection, 5xx), or this process is not configured to send at
  all. The message may or may not have gone out, so the caller must not
  simply send it again.

Settings come from the environment (`ProviderSettings.from_env`); a variable
an adapter needs and does not find is named in the ProviderError.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

CHANNELS = ("sms", "whatsapp", "email")
SMS_PROVIDERS = ("twilio", "africastalking")
DEFAULT_TWILIO_BASE_URL = "https://api.twilio.com"
DEFAULT_AT_BASE_URL = "https://api.africastalking.com"
DEFAULT_SMTP_PORT = 587
DEFAULT_TIMEOUT_S = 15.0  # a provider slower than this is treated as down (ProviderError)
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_EMAIL = re.compile(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient. `key` is our idempotency key (loan:step:date), kept for tracing."""

    channel: str  # "sms" | "whatsapp" | "email"
    to: str  # E.164 phone, or email address
    text: str
    subject: str = ""
    key: str = ""


@dataclass(frozen=True)
class SendResult:
    """The provider's answer: its message id when it accepted, its error text when it refused."""

    provider: str
    provider_id: str
    accepted: bool
    error: str = ""


class ProviderError(Exception):
    """Transport failure (timeout, 5xx) or missing configuration: the caller will NOT retry blindly."""


@dataclass(frozen=True)
class ProviderSettings:
    """Every provider variable; empty strings are unset. See docs/channels.md for each one."""

    sms_provider: str = "twilio"
    twilio_base_url: str = DEFAULT_TWILIO_BASE_URL
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_sms_from: str = ""
    twilio_whatsapp_from: str = ""
    twilio_status_callback_url: str = ""
    at_base_url: str = DEFAULT_AT_BASE_URL
    at_username: str = ""
    at_api_key: str = ""
    at_sender_id: str = ""
    smtp_host: str = ""
    smtp_port: int = DEFAULT_SMTP_PORT
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S  # not from the environment: tests shorten it

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "ProviderSettings":
        """Read the variables; a malformed value (not a missing one) is a ProviderError naming it."""
        def get(name: str, default: str = "") -> str:
            return (environ.get(name) or "").strip() or default

        provider = get("SMS_PROVIDER", "twilio").lower()
        if provider not in SMS_PROVIDERS:
            raise ProviderError(f"SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {provider!r}")
        port = get("SMTP_PORT", str(DEFAULT_SMTP_PORT))
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ProviderError(f"SMTP_PORT must be a port number, got {port!r}")
        starttls = get("SMTP_STARTTLS", "true").lower()
        if starttls not in _TRUE + _FALSE:
            raise ProviderError(f"SMTP_STARTTLS must be true or false, got {starttls!r}")
        return cls(
            sms_provider=provider,
            twilio_base_url=get("TWILIO_BASE_URL", DEFAULT_TWILIO_BASE_URL).rstrip("/"),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"), twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_sms_from=get("TWILIO_SMS_FROM"), twilio_whatsapp_from=get("TWILIO_WHATSAPP_FROM"),
            twilio_status_callback_url=get("TWILIO_STATUS_CALLBACK_URL"),
            at_base_url=get("AT_BASE_URL", DEFAULT_AT_BASE_URL).rstrip("/"),
            at_username=get("AT_USERNAME"), at_api_key=get("AT_API_KEY"), at_sender_id=get("AT_SENDER_ID"),
            smtp_host=get("SMTP_HOST"), smtp_port=int(port), smtp_user=get("SMTP_USER"),
            smtp_password=environ.get("SMTP_PASSWORD") or "", smtp_from=get("SMTP_FROM"),
            smtp_starttls=starttls in _TRUE,
        )


def required(value: str, variable: str, purpose: str) -> str:
    """`value`, or a ProviderError that names the unset variable and what it is needed for."""
    if not value:
        raise ProviderError(f"{variable} is not set: it is needed to {purpose}")
    return value


def check_outgoing(outgoing: Outgoing) -> None:
    """A ValueError for a message no provider should see (the caller's bug, not the provider's)."""
    if outgoing.channel not in CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CHANNELS)}, got {outgoing.channel!r}")
    if outgoing.channel == "email":
        if not _EMAIL.fullmatch(outgoing.to):
            raise ValueError(f"email: {outgoing.to!r} is not an email address")
        if any(c in outgoing.subject for c in "\r\n"):
            raise ValueError("email: the subject must be one line")
    elif not E164.fullmatch(outgoing.to):
        raise ValueError(f"{outgoing.channel}: {outgoing.to!r} is not an E.164 phone number (+ and 8-15 digits)")
    if not outgoing.text.strip():
        raise ValueError(f"{outgoing.channel}: the text is empty")
