"""Keeps borrowers' phone numbers and dates of birth out of application logs.

Logs travel further than the database (log shippers, support tickets), so
every log record of our processes is rewritten before any handler sees it:
phone numbers and calendar dates are masked. Names cannot be recognised in
free text, so no code of ours logs a name or a message text; message texts
live only in the audit trail.
"""
from __future__ import annotations

import logging
import re

_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")
_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|\d{1,2}(st|nd|rd|th)?\s+"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{2,4})\b",
    re.IGNORECASE,
)
_installed = False


def redact(text: str) -> str:
    return _DATE.sub("[date]", _PHONE.sub("[phone]", text))


def install() -> None:
    """Redact every log record created in this process from now on (idempotent)."""
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it is; logging must never fail
            return record
        record.msg, record.args = redact(message), ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
