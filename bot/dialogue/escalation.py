"""Turns that must reach a person even though the bot could answer them.

A borrower who brings in a lawyer or a regulator, or whose anger keeps
rising, is better served by a person: the bot's calm answers have stopped
working, and what is said next may matter in a complaint. The NLU reads the
legal or regulator threat (bot/nlu/signals.py, `legal_threat`); the anger
count comes from the emotion of the latest messages.
"""
from bot.config.bot_file import Escalation as EscalationSettings, load_bot


def escalation_settings() -> EscalationSettings:
    """The numbers (angry messages in a row, unreadable messages in a row, abuse
    warnings before a pause) live in config/bot.yml `escalation:` (cached by bot.config)."""
    return load_bot().escalation
