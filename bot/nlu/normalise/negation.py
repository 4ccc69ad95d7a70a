"""Whether the borrower rules a date out ("not tomorrow", "I can't pay today", "aaj nahi").

Why here: a refused day read as an offered one became a first instalment due
on the very day the borrower said they could not pay (issue 13). The date is
still resolved (value and relative form stay), only its entity name changes to
`not_date` (spans.py), so the dialogue knows which day is off the table
without reading the text. The words are data: data/lexicons/negation.yml.

The reading is deliberately local: a negator counts only in the date's own
clause, within a few words, with nothing between that makes the date a limit
("can't pay until friday") or starts a new thought ("don't worry I'll pay friday").
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, Iterable, List, Sequence, Tuple

from bot.nlu import lexicons
from bot.nlu.language_id import SCRIPTS

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# ".", "," and ":" end a clause unless they sit between digits ("2,000", "6:30").
_PUNCT = re.compile(r"(?<!\d)[.,:]|[.,:](?!\d)|[;!?()\[\]\"。，；！？、…]")
Phrase = Tuple[str, ...]
Word = Tuple[str, int, int]  # normalised word, start, end


_HAN = SCRIPTS["han"]


def _split_han(token: str) -> List[str]:
    """Chinese is written without spaces: each Han character counts as a word, so "明天不行"
    reads as 明天 + 不, 行 and a lexicon entry "不行" as the two words 不 行."""
    return list(token) if _HAN.search(token) else [token]


def _phrases(words: Iterable[object]) -> List[Phrase]:
    bad = [w for w in words if not isinstance(w, str)]
    if bad:  # YAML reads a bare no/yes/on/off as a boolean: quote it
        raise ValueError(f"data/lexicons/negation.yml: {bad!r} are not words (quote yes/no/on/off)")
    return [tuple(part for word in w.lower().replace("'", "").split() for part in _split_han(word))
            for w in words if w.strip()]


@lru_cache(maxsize=1)
def _lexicon() -> Dict[str, object]:
    data = lexicons.load("negation")
    for key in ("before", "after"):
        if not isinstance(data.get(key), dict):
            raise ValueError(f"data/lexicons/negation.yml: {key!r} must map languages to word lists")
    return {
        "before": _phrases([w for words in data["before"].values() for w in words]),
        "after": _phrases([w for words in data["after"].values() for w in words]),
        "not": _phrases(data.get("not_negations") or ()),
        "breaks": _phrases(data.get("clause_breaks") or ()),
        "after_breaks": _phrases(data.get("after_breaks") or ()),
        "resets": _phrases(data.get("resets") or ()),
        "corrections": _phrases(data.get("corrections") or ()),
        "mistakes": _phrases(data.get("mistakes") or ()),
        "max_gap": int(data.get("max_gap", 4)),
        "max_gap_after": int(data.get("max_gap_after", 2)),
    }


def _words(text: str, start: int, end: int) -> List[Word]:
    words: List[Word] = []
    for m in _WORD.finditer(text[start:end]):
        if _HAN.search(m.group(0)):
            words += [(ch.lower(), m.start() + start + i, m.start() + start + i + 1) for i, ch in enumerate(m.group(0))]
        else:
            words.append((m.group(0).lower().replace("'", "").replace("’", ""), m.start() + start, m.end() + start))
    return words


def _matches(word: str, entry: str) -> bool:
    return word.startswith(entry[:-1]) if entry.endswith("*") else word == entry


def _occurrences(words: Sequence[Word], phrases: List[Phrase]) -> List[Tuple[int, int]]:
    """(first, last+1) word indexes of every phrase found in the words."""
    found = []
    for i, (first, _, _) in enumerate(words):
        for phrase in phrases:
            if not _matches(first, phrase[0]):
                continue
            part = words[i:i + len(phrase)]
            if len(part) == len(phrase) and all(_matches(w[0], p) for w, p in zip(part, phrase)):
                found.append((i, i + len(phrase)))
    return found


@lru_cache(maxsize=1)
def _window() -> int:
    """How many words around a date can matter: the gap plus the longest phrase, twice over
    (a bound, so a message full of dates stays fast)."""
    lex = _lexicon()
    longest = max(len(p) for key in ("before", "after", "not", "breaks", "resets") for p in lex[key] or [()])
    return max(lex["max_gap"], lex["max_gap_after"]) + 2 * longest + 2


def _covered(span: Tuple[int, int], others: List[Tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in others)


def _clause_before(text: str, start: int) -> List[Word]:
    """The words of the date's clause before it: back to punctuation or a clause-break word."""
    cut = max((m.end() for m in _PUNCT.finditer(text, max(0, start - 200), start)), default=max(0, start - 200))
    words = _words(text, cut, start)[-_window():]
    lex = _lexicon()
    negators = _occurrences(words, lex["before"])
    breaks = [b for b in _occurrences(words, lex["breaks"]) if not _covered(b, negators)]
    return words[max((e for _, e in breaks), default=0):]


def _clause_after(text: str, end: int) -> Tuple[List[Word], int]:
    """The words after the date up to punctuation, and how many of them are its clause."""
    stop = next((m.start() for m in _PUNCT.finditer(text, end, end + 200)), min(len(text), end + 200))
    words = _words(text, end, stop)[:_window()]
    lex = _lexicon()
    breaks = _occurrences(words, lex["breaks"] + lex["after_breaks"])
    return words, min((s for s, _ in breaks), default=len(words))


def _negated_before(text: str, start: int, end: int) -> bool:
    lex = _lexicon()
    own = _words(text, start, end)
    if own and _occurrences(own[:1], lex["resets"]):
        return False  # "until friday", "by the 28th": a limit, not a refused day
    words = _clause_before(text, start)
    negators = _occurrences(words, lex["before"])
    if not negators:
        return False
    first, last = max(negators, key=lambda o: (o[1], o[1] - o[0]))
    if _covered((first, last), _occurrences(words, lex["not"])):
        return False  # "why not tomorrow?"
    gap = words[last:]
    return len(gap) <= lex["max_gap"] and not _occurrences(gap, lex["resets"])


def _negated_after(text: str, end: int, others: List[Tuple[int, int]]) -> bool:
    lex = _lexicon()
    words, clause = _clause_after(text, end)
    negators = [o for o in _occurrences(words[:clause], lex["after"]) if o[0] <= lex["max_gap_after"]]
    if not negators:
        return False
    first, last = min(negators)
    if _covered((first, last), _occurrences(words, lex["not"])):
        return False  # "tomorrow no problem", "tomorrow not only"
    tail = words[last:last + lex["max_gap"]]
    breaks = [o[0] for o in _occurrences(tail, lex["breaks"]) if o[0] > 0]
    tail = tail[:min(breaks)] if breaks else tail  # "the 18th isn't allowed then Thursday the 17th": 18th out
    # "friday not monday": the "not" belongs to the next date
    return not (tail and any(tail[0][1] <= s < tail[-1][2] for s, _ in others))


def _corrected(text: str, end: int, later: List[Tuple[int, int]]) -> bool:
    """"I get paid the 18th, wait no, the 17th": the next date takes this one back (the 18th was
    offered). Only what lies between the two dates is read, and only when it opens with a correction."""
    if not later:
        return False
    lex = _lexicon()
    words = _words(text, end, min(start for start, _ in later))
    return 0 < len(words) <= lex["max_gap"] and any(s == 0 for s, _ in _occurrences(words, lex["corrections"]))


def negated(text: str, start: int, end: int, others: Sequence[Tuple[int, int]] = ()) -> bool:
    """Whether the date at text[start:end] is ruled out; `others` are the message's other date spans."""
    later = [span for span in others if span[0] >= end]
    return _negated_before(text, start, end) or _negated_after(text, end, later) or _corrected(text, end, later)


def taken_back(text: str, start: int, end: int, others: Sequence[Tuple[int, int]]) -> bool:
    """Whether the amount at text[start:end] is one the borrower takes back ("galti se 5000 likha, aaj
    7500", "5000 was a typo", "5000, I mean 7500"), or says they cannot pay ("Saya nggak sanggup bayar 7 juta
    sekaligus. Bisa dicicil 1,2 juta": round 8 (dev)): only when another amount follows to replace it.
    Round 6 (dev): the taken-back 5,000 was recorded as the first part."""
    later = [span for span in others if span[0] >= end]
    if not later:
        return False
    lex = _lexicon()
    before = _words(text, max(0, start - 40), start)[-3:]
    after = _words(text, end, min(s for s, _ in later))[:lex["max_gap"]]
    return bool(_occurrences(before, lex["mistakes"]) or _occurrences(after, lex["mistakes"])) \
        or _corrected(text, end, later) or _negated_before(text, start, end)  # "nggak sanggup bayar 7 juta ... 1,2 juta"


def check_lexicon() -> None:
    """Reads data/lexicons/negation.yml now; raises ValueError naming the file if it is malformed."""
    _lexicon()
