"""Africa's Talking SMS (Kenya): its messaging API and its delivery reports.

One POST per message to `{base}/version1/messaging` with the headers `apiKey`
and `Accept: application/json` and the form fields username, to, message and
(when a sender id is configured) from. The answer lists one recipient per
number under `SMSMessageData.Recipients`, each with `messageId`, `status`
("Success" when accepted) and `statusCode` (100-102 accepted, 4xx/5xx not).
A refusal of the whole request (bad sender id, wrong username) comes back
with no recipients and the reason in `SMSMessageData.Message`.

Africa's Talking does not sign its callbacks: the delivery report URL we
give it must carry a secret of our own (see bot/channels/sms.py).
"""
from __future__ import annotations

import logging
from typing import Mapping

import requests

from bot.channels.providers.base import Outgoing, ProviderError, ProviderSettings, SendResult, required

log = logging.getLogger(__name__)

PROVIDER = "africastalking"
ACCEPTED_CODES = (100, 101, 102)  # Processed, Sent, Queued
# Delivery report statuses -> ours. Buffered: the network holds it (phone off); Failed: it could not
# be delivered to the phone; Rejected: the network refused it.
STATUSES = {
    "submitted": "sent", "sent": "sent", "buffered": "queued", "success": "delivered",
    "failed": "undelivered", "absentsubscriber": "undelivered", "expired": "undelivered", "rejected": "failed",
}


def send(outgoing: Outgoing, settings: ProviderSettings) -> SendResult:
    """Send one SMS; ProviderError when Africa's Talking cannot be reached or fails (5xx)."""
    url = f"{settings.at_base_url}/version1/messaging"
    headers = {"apiKey": required(settings.at_api_key, "AT_API_KEY", "send SMS through Africa's Talking"),
               "Accept": "application/json"}
    form = {"username": required(settings.at_username, "AT_USERNAME", "send SMS through Africa's Talking"),
            "to": outgoing.to, "message": outgoing.text}
    if settings.at_sender_id:
        form["from"] = settings.at_sender_id
    try:
        reply = requests.post(url, data=form, headers=headers, timeout=settings.timeout_s)
    except requests.RequestException as error:
        raise ProviderError(f"africastalking: {type(error).__name__}: {error}") from error
    if reply.status_code >= 500:
        raise ProviderError(f"africastalking: HTTP {reply.status_code} from {url}")
    result = _result(reply)
    if not result.accepted:
        log.warning("africastalking: sms to %s refused (key %s): %s", outgoing.to, outgoing.key, result.error)
    return result


def _result(reply: requests.Response) -> SendResult:
    try:
        body = reply.json()
    except ValueError:  # e.g. 401 answers in plain text
        return SendResult(PROVIDER, "", False, f"HTTP {reply.status_code}: {reply.text.strip()[:200]}")
    data = body.get("SMSMessageData") if isinstance(body, dict) else None
    recipients = data.get("Recipients") if isinstance(data, dict) else None
    if not recipients or not isinstance(recipients[0], dict):
        message = data.get("Message") if isinstance(data, dict) else None
        return SendResult(PROVIDER, "", False, f"HTTP {reply.status_code}: {message or 'no recipient in the answer'}")
    first = recipients[0]
    message_id = str(first.get("messageId") or "")
    if reply.status_code < 300 and first.get("statusCode") in ACCEPTED_CODES and message_id not in ("", "None"):
        return SendResult(PROVIDER, message_id, True)
    return SendResult(PROVIDER, "", False, f"{first.get('statusCode')}: {first.get('status') or 'refused'}")


def parse_delivery_report(form: Mapping[str, str]) -> tuple[str, str]:
    """(message id, normalised status) of a delivery report; ValueError when it is not one."""
    message_id, status = str(form.get("id") or ""), str(form.get("status") or "")
    if not message_id:
        raise ValueError("africastalking delivery report: id is missing")
    if status.lower() not in STATUSES:
        raise ValueError(f"africastalking delivery report: unknown status {status!r}")
    return message_id, STATUSES[status.lower()]
