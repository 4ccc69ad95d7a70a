"""SMS shorthand read as the words it stands for, with spans kept in the typed text.

"cn i pay 30k nxt fri" must give the same amount and date as "can i pay 30k
next fri". Rather than teach every date, amount and duration pattern each
chat spelling, the message is first rewritten word by word from
data/lexicons/shorthand.yml, the rules run on that, and every span is mapped
back to what the borrower typed (an entity's `text` is always theirs).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Tuple

from bot.nlu import lexicons


@lru_cache(maxsize=None)
def _table() -> Tuple[Dict[str, str], re.Pattern]:
    words = {str(k).lower(): str(v) for k, v in lexicons.load("shorthand")["words"].items()}
    # whole words only: not inside "uphold", "U.S.", "wk-end" or "u2"
    pattern = re.compile(r"(?<![\w'.-])" + lexicons.alternation(words) + r"(?![\w'-]|\.\w)", re.I)
    return words, pattern


@dataclass(frozen=True)
class Expanded:
    """The rewritten text and, for each of its character boundaries, where it was typed:
    `lo` when the boundary starts a span, `hi` when it ends one (a rewritten word maps whole)."""

    text: str
    lo: Tuple[int, ...]
    hi: Tuple[int, ...]

    def span(self, start: int, end: int) -> Tuple[int, int]:
        return self.lo[start], self.hi[end]


def expand(text: str) -> Expanded:
    """`text` with each shorthand word replaced; unchanged (and cheap) when there is none."""
    words, pattern = _table()
    out, lo, hi, pos = [], [], [], 0
    for m in pattern.finditer(text):
        out.append(text[pos:m.start()])
        lo.extend(range(pos, m.start()))
        hi.extend(range(pos, m.start()))
        word = words[m.group(0).lower()]
        out.append(word)
        lo.extend([m.start()] * len(word))
        hi.extend([m.start()] + [m.end()] * (len(word) - 1))
        pos = m.end()
    out.append(text[pos:])
    lo.extend(range(pos, len(text) + 1))
    hi.extend(range(pos, len(text) + 1))
    return Expanded("".join(out), tuple(lo), tuple(hi))


def restore(entity: Dict, expanded: Expanded, typed: str) -> Dict:
    """An entity found in the rewritten text, with its span and text in the typed one."""
    start, end = expanded.span(entity["start"], entity["end"])
    return {**entity, "start": start, "end": end, "text": typed[start:end]}
