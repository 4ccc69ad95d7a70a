"""Twilio's Messages API for SMS and WhatsApp, its status callbacks and its request signature.

One POST per message to `{base}/2010-04-01/Accounts/{sid}/Messages.json`
(HTTP basic auth: account SID and auth token) with the form fields To, From,
Body and StatusCallback; WhatsApp is the same call with both numbers written
`whatsapp:+...`. Twilio answers 201 with the message's `sid` and `status`,
or 4xx with an error JSON `code`/`message` (nothing was sent).

Twilio signs every request it makes to us (status callbacks, inbound
messages) with X-Twilio-Signature; `valid_signature` checks it.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Mapping

import requests

from bot.channels.providers.base import Outgoing, ProviderError, ProviderSettings, SendResult, required

log = logging.getLogger(__name__)

PROVIDER = "twilio"
WHATSAPP = "whatsapp:"
# Twilio's message statuses -> ours. "sending" and "accepted" are still on Twilio's side.
STATUSES = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued",
    "sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "undelivered",
    "failed": "failed", "canceled": "failed",
}


def messages_url(settings: ProviderSettings) -> str:
    sid = required(settings.twilio_account_sid, "TWILIO_ACCOUNT_SID", "send through Twilio")
    return f"{settings.twilio_base_url}/2010-04-01/Accounts/{sid}/Messages.json"


def form_fields(outgoing: Outgoing, settings: ProviderSettings) -> dict[str, str]:
    """The form Twilio gets for this message."""
    if outgoing.channel == "whatsapp":
        sender = required(settings.twilio_whatsapp_from, "TWILIO_WHATSAPP_FROM", "send WhatsApp messages")
        fields = {"To": WHATSAPP + outgoing.to, "From": WHATSAPP + sender.removeprefix(WHATSAPP)}
    else:
        fields = {"To": outgoing.to, "From": required(settings.twilio_sms_from, "TWILIO_SMS_FROM",
                                                      "send SMS through Twilio")}
    fields["Body"] = outgoing.text
    if settings.twilio_status_callback_url:
        fields["StatusCallback"] = settings.twilio_status_callback_url
    return fields


def send(outgoing: Outgoing, settings: ProviderSettings) -> SendResult:
    """Send one SMS or WhatsApp message; ProviderError when Twilio cannot be reached or fails (5xx)."""
    url = messages_url(settings)
    auth = (settings.twilio_account_sid,
            required(settings.twilio_auth_token, "TWILIO_AUTH_TOKEN", "send through Twilio"))
    try:
        reply = requests.post(url, data=form_fields(outgoing, settings), auth=auth, timeout=settings.timeout_s)
    except requests.RequestException as error:
        raise ProviderError(f"twilio: {type(error).__name__}: {error}") from error
    if reply.status_code >= 500:
        raise ProviderError(f"twilio: HTTP {reply.status_code} from {url}")
    body = _json(reply)
    if 200 <= reply.status_code < 300 and body.get("sid"):
        return SendResult(PROVIDER, str(body["sid"]), True)
    error = f"{body.get('code', reply.status_code)}: {body.get('message') or reply.reason or 'refused'}"
    log.warning("twilio: %s to %s refused (key %s): %s", outgoing.channel, outgoing.to, outgoing.key, error)
    return SendResult(PROVIDER, str(body.get("sid") or ""), False, error)


def _json(reply: requests.Response) -> dict:
    try:
        body = reply.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def parse_status_callback(form: Mapping[str, str]) -> tuple[str, str]:
    """(MessageSid, normalised status) of a status callback; ValueError when it is not one."""
    sid, status = str(form.get("MessageSid") or ""), str(form.get("MessageStatus") or "").lower()
    if not sid:
        raise ValueError("twilio status callback: MessageSid is missing")
    if status not in STATUSES:
        raise ValueError(f"twilio status callback: unknown MessageStatus {status!r}")
    return sid, STATUSES[status]


def compute_signature(auth_token: str, url: str, form: Mapping[str, str | list[str]]) -> str:
    """Twilio's X-Twilio-Signature: base64 HMAC-SHA1 of the URL and each sorted key+value."""
    payload = url
    for key in sorted(form):
        values = form[key] if isinstance(form[key], list) else [form[key]]
        payload += "".join(key + str(value) for value in sorted(values))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def valid_signature(auth_token: str, url: str, form: Mapping[str, str | list[str]], signature: str | None) -> bool:
    """Whether `signature` is Twilio's for this URL and form (constant-time comparison)."""
    if not auth_token or not isinstance(signature, str) or not signature:
        return False
    return hmac.compare_digest(compute_signature(auth_token, url, form).encode(), signature.encode())
