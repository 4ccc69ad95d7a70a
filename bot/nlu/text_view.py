"""The one view of a borrower message the record signals and the contact time read.

Why one view: the lexicons (data/lexicons/record_signals.yml, contact_time.yml)
are written once against it, so a phrasing is written without apostrophes
("didnt", "im") and without SMS shorthand ("you", not "u"), and every
spelling the borrower might use of those is covered by the view, not by the
patterns.
"""
from __future__ import annotations

import re
import unicodedata

from bot.nlu.normalise import shorthand
from bot.nlu.normalise.common import _cap

_APOSTROPHES = re.compile(r"['’‘`´]")
_AM_PM = re.compile(r"\b([ap])\.\s?m\b\.?")
_SPACES = re.compile(r"\s+")


def view(text: str) -> str:
    """NFKC, lower case, apostrophes dropped, "p.m." as "pm", SMS shorthand as words, spaces squeezed.

    Only the first MAX_SCAN_CHARS (1,000) characters are read, as by the entity
    normaliser: borrower messages are short, and a pasted essay stays fast.
    """
    text = unicodedata.normalize("NFKC", _cap(text if isinstance(text, str) else "")).lower()
    text = _AM_PM.sub(r"\1m", _APOSTROPHES.sub("", text))
    return _SPACES.sub(" ", shorthand.expand(text).text).strip()
