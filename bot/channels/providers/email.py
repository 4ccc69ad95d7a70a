"""Email over SMTP (smtplib): one plain-text message per send, its Message-ID as the provider id.

STARTTLS is on unless SMTP_STARTTLS=false (a local relay or the tests'
aiosmtpd); a login is made when SMTP_USER is set. A refusal the server
answers with an SMTP code (bad recipient, authentication) is a SendResult
with `accepted=False`; a connection that fails or drops is a ProviderError,
since the message may have been taken before the line went dead.
"""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.channels.providers.base import Outgoing, ProviderError, ProviderSettings, SendResult, required

log = logging.getLogger(__name__)

PROVIDER = "smtp"


def message(outgoing: Outgoing, sender: str) -> EmailMessage:
    """The email for `outgoing`; the Message-ID's domain is the sender's."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = outgoing.to
    mail["Subject"] = outgoing.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    mail.set_content(outgoing.text)
    return mail


def send(outgoing: Outgoing, settings: ProviderSettings) -> SendResult:
    host = required(settings.smtp_host, "SMTP_HOST", "send email")
    mail = message(outgoing, required(settings.smtp_from, "SMTP_FROM", "send email"))
    message_id = mail["Message-ID"]
    try:
        with smtplib.SMTP(host, settings.smtp_port, timeout=settings.timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, required(settings.smtp_password, "SMTP_PASSWORD", "log in to SMTP"))
            smtp.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        return _refused(outgoing, "; ".join(f"{code} {text.decode(errors='replace')}"
                                            for code, text in error.recipients.values()))
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, authentication, ...
        return _refused(outgoing, f"{error.smtp_code} {_text(error.smtp_error)}")
    except (OSError, smtplib.SMTPException) as error:  # unreachable, timed out, disconnected
        raise ProviderError(f"smtp: {type(error).__name__}: {error}") from error
    return SendResult(PROVIDER, message_id, True)


def _refused(outgoing: Outgoing, error: str) -> SendResult:
    log.warning("smtp: email to %s refused (key %s): %s", outgoing.to, outgoing.key, error)
    return SendResult(PROVIDER, "", False, error)


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
