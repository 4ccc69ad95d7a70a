"""Which language the bot answers in: the borrower's, kept across the conversation.

The rule (issue 15): the borrower's portfolio `language`, switched when they
write in another language the bot has a catalogue for, and remembered (the
`reply_language` slot), so an "ok" or a loan reference between two Chinese
messages does not flip the bot back to English. A message whose language the
NLU could not tell ("und") changes nothing. Languages without a catalogue file
are not switched to: the bot would only answer in English while claiming not to.

Why a Latin-script switch waits for a second message: code-mixed messages
(Sheng, Taglish, Hinglish) are where the reader errs, and one misread flipped a
Tagalog borrower's replies to Swahili and a Swahili borrower's to Hindi (blind
panel, round 2). Two messages in a row in the new language are a switch; one is
a guess. Chinese and Devanagari are named by their script, which does not err,
so they switch at once.
"""
from __future__ import annotations

from collections.abc import Iterable

from functools import lru_cache

from bot.config.messages import languages
from bot.nlu.language_id import base, lexicon

SLOT = "reply_language"


@lru_cache(maxsize=1)
def catalogues() -> tuple:
    """The languages with a catalogue file, looked up once: the catalogues themselves are read
    once per process (bot.dialogue.messages.load), so a file added later needs a restart anyway."""
    return languages()


def reply_language(detected: str | None, remembered: str | None, portfolio: str | None,
                   available: Iterable[str] | None = None, before: str | None = None) -> str | None:
    """The language of the next reply. `detected`: this message's (parse["language"]);
    `remembered`: the slot; `portfolio`: the verified borrower's loan language, if known;
    `before`: the borrower's previous message's parse["language"].
    None when none is known yet (the caller speaks English and remembers nothing, so the
    portfolio language can still apply once the borrower is verified)."""
    have = set(available if available is not None else catalogues())
    known = next((base(k) for k in (remembered, portfolio) if base(k) in have), None)
    said = base(detected)
    if said in have and (known in (None, said) or by_script(detected) or base(before) == said):
        return said
    return known


def by_script(code: str | None) -> bool:
    """Whether the reader named this language by its script (zh, hi in Devanagari; not "hi-Latn")."""
    spec = lexicon()["languages"].get(base(code), {})
    return bool(spec.get("script")) and not (code or "").endswith("-Latn")
