"""Keeps borrowers' personal data and every credential out of logs.

Logs travel further than the database (log shippers, support tickets), so
every log record of our processes is rewritten before any handler sees it,
tracebacks included, and the launcher passes each server's whole output
(prints, access logs, crashes) through `redact` again before it reaches a
file (`bot/launch.py`). Masked: phone numbers, calendar dates, bearer
tokens, JWTs, `token=`/`secret=` style parameters, Telegram bot tokens,
passwords in database URLs, and the literal values of our secret
environment variables. Names cannot be recognised in free text, so no code
of ours logs a name or a message text; message texts live only in the audit
trail.

Every pattern here is linear in the line's length: a log line can carry a
borrower's message, and a slow pattern would let one message stall a server.
"""
from __future__ import annotations

import logging
import os
import re
from typing import Iterable

# Environment variables whose values are secrets wherever they appear.
SECRET_VARIABLES = (
    "ADMIN_TOKEN", "RASA_TOKEN", "ACTION_SERVER_TOKEN", "WIDGET_TOKEN_SECRET", "CHANNEL_SECRET",
    "PAYMENT_WEBHOOK_SECRET", "AUDIT_ANCHOR_KEY", "TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN",
    "REST_CHANNEL_SECRET",
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?"
_DATE = re.compile(
    r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[ \t]{{1,3}}(?:of[ \t]{{1,3}})?{_MONTH},?[ \t]{{1,3}}\d{{2,4}}"
    rf"|{_MONTH}[ \t]{{1,3}}\d{{1,2}}(?:st|nd|rd|th)?,?[ \t]{{1,3}}\d{{2,4}})\b",
    re.IGNORECASE,
)
_NUMBER_RUN = re.compile(r"\+?\d[\d \t().-]*")
_JWT = re.compile(r"\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_BEARER = re.compile(r"\b(bearer[ \t]{1,5})[^\s\"',;]+", re.IGNORECASE)
_PARAM = re.compile(
    r"\b((?:token|auth_token|access_token|secret|secret_token|password|passwd|api_key|signature)[\"']?"
    r"[ \t]{0,3}[=:][ \t]{0,3}[\"']?)[^&\s\"',;]+",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"\b(v1=)[0-9a-f]{16,}", re.IGNORECASE)
_TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]{1,200}:)[^/\s@]{1,200}@")
_installed = False
_literals: tuple[str, ...] = ()


def _mask_number(match: re.Match) -> str:
    """A run of 8+ digits (with the separators phone numbers use) is a phone number."""
    run = match.group(0)
    body = run.rstrip(" \t().-")
    if sum(ch.isdigit() for ch in body) < 8:
        return run
    return "[phone]" + run[len(body):]


def remember_secrets(values: Iterable[str | None]) -> None:
    """Literal secrets (at least 8 characters) to mask wherever they appear."""
    global _literals
    found = {value.strip() for value in values if value and len(value.strip()) >= 8}
    _literals = tuple(sorted(set(_literals) | found, key=len, reverse=True))


def secrets_from_environment(env: dict[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [env.get(name, "") for name in SECRET_VARIABLES]


def redact(text: str) -> str:
    for literal in _literals:
        if literal in text:
            text = text.replace(literal, "[secret]")
    text = _JWT.sub("[jwt]", text)
    text = _TELEGRAM_TOKEN.sub("[telegram-token]", text)
    text = _URL_PASSWORD.sub(r"\1[secret]@", text)
    text = _BEARER.sub(r"\1[secret]", text)
    text = _PARAM.sub(r"\1[secret]", text)
    text = _SIGNATURE.sub(r"\1[secret]", text)
    text = _DATE.sub("[date]", text)
    return _NUMBER_RUN.sub(_mask_number, text)


def install() -> None:
    """Redact every log record created in this process from now on (idempotent)."""
    global _installed
    remember_secrets(secrets_from_environment())
    if _installed:
        return
    make_record = logging.getLogRecordFactory()
    formatter = logging.Formatter()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
            if record.exc_info and not record.exc_text:
                # Formatters reuse exc_text when it is set: the traceback is redacted once, here.
                record.exc_text = redact(formatter.formatException(record.exc_info))
            if record.stack_info:
                record.stack_info = redact(record.stack_info)
        except Exception:  # noqa: BLE001 - a malformed record stays as it is; logging must never fail
            return record
        record.msg, record.args = redact(message), ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
