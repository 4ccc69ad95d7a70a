"""How `make run` turns the SMS and WhatsApp input channels on (bot/channels/sms.py).

Like Telegram (telegram_config.py), a section is written into the per-run
credentials file only when its variables are set: Rasa refuses to start on an
unset `${VAR}`, and without them the bot runs as before.
- TWILIO_AUTH_TOKEN + TWILIO_WEBHOOK_URL (the public URL Twilio calls, which
  its signature covers) turn on `bot.channels.sms.TwilioInput`;
- AT_WEBHOOK_SECRET (the `?secret=` of the URL registered at Africa's Talking)
  turns on `bot.channels.sms.AfricasTalkingInput`;
- MAILGUN_SIGNING_KEY (Mailgun's webhook signing key) turns on
  `bot.channels.email_input.MailgunInput`: email replies.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import yaml

TWILIO = "bot.channels.sms.TwilioInput"
AFRICASTALKING = "bot.channels.sms.AfricasTalkingInput"
MAILGUN = "bot.channels.email_input.MailgunInput"


def sections_from_env(environ: Mapping[str, str]) -> dict[str, dict]:
    sections = {}
    if environ.get("TWILIO_AUTH_TOKEN") and environ.get("TWILIO_WEBHOOK_URL"):
        sections[TWILIO] = {"auth_token": environ["TWILIO_AUTH_TOKEN"], "webhook_url": environ["TWILIO_WEBHOOK_URL"]}
    if environ.get("AT_WEBHOOK_SECRET"):
        sections[AFRICASTALKING] = {"secret": environ["AT_WEBHOOK_SECRET"]}
    if environ.get("MAILGUN_SIGNING_KEY"):
        sections[MAILGUN] = {"signing_key": environ["MAILGUN_SIGNING_KEY"]}
    return sections


def credentials_with_sms(base: Path, out: Path, environ: Mapping[str, str]) -> Path:
    """`base` when no SMS variables are set; else `out`: base plus the sections they turn on."""
    sections = sections_from_env(environ)
    if not sections:
        return base
    credentials = yaml.safe_load(base.read_text(encoding="utf-8")) or {}
    credentials.update(sections)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.touch(mode=0o600)
    out.chmod(0o600)  # it holds the providers' secrets
    out.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return out
