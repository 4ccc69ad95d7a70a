"""Which language the bot answers in: the borrower's, kept across the conversation.

The rule (issue 15): the borrower's portfolio `language`, switched when they
write in another language the bot has a catalogue for, and remembered (the
`reply_language` slot), so an "ok" or a loan reference between two Chinese
messages does not flip the bot back to English. A message whose language the
NLU could not tell ("und") changes nothing. Languages without a catalogue file
are not switched to: the bot would only answer in English while claiming not to.
"""
from __future__ import annotations

from collections.abc import Iterable

from functools import lru_cache

from bot.config.messages import languages
from bot.nlu.language_id import base

SLOT = "reply_language"


@lru_cache(maxsize=1)
def catalogues() -> tuple:
    """The languages with a catalogue file, looked up once: the catalogues themselves are read
    once per process (bot.dialogue.messages.load), so a file added later needs a restart anyway."""
    return languages()


def reply_language(detected: str | None, remembered: str | None, portfolio: str | None,
                   available: Iterable[str] | None = None) -> str | None:
    """The language of the next reply. `detected`: this message's (parse["language"]);
    `remembered`: the slot; `portfolio`: the verified borrower's loan language, if known.
    None when none is known yet (the caller speaks English and remembers nothing, so the
    portfolio language can still apply once the borrower is verified)."""
    have = set(available if available is not None else catalogues())
    said = base(detected)
    if said in have:
        return said
    for known in (remembered, portfolio):
        if base(known) in have:
            return base(known)
    return None
