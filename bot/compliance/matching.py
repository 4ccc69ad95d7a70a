"""Match a text against the prohibited-language rules, sentence by sentence.

Why sentence by sentence and first hit per rule: a block must be explainable
to an auditor ("threatens arrest: matched 'will be arrested'"), so each rule
reports the first words that fired it, in the order the rules and their
patterns are written in data/compliance/rules.yml.

Why disguised spellings are undone first: agents who know there is a filter
write "arr3st", "p0l1ce", "j@il", "a r r e s t", "p.o.l.i.c.e" or "jaaaail".
`spellings(text)` gives the text as written plus its plain readings (look-alike
digits and symbols read as letters, spaced or dotted single letters joined,
stretched letters shortened); a rule fires when it fires on any of them, with
negation judged inside that reading. An ordinary text has no other reading, so
this costs nothing for it.
"""
from __future__ import annotations

import re
import unicodedata

from bot.compliance.negation import negated, sentences
from bot.compliance.rules import Rule, RuleBook, default_rules

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
# Cyrillic and Greek letters that look Latin ("роlice" with a Cyrillic р and о).
_HOMOGLYPHS = str.maketrans("аеорсухкмтвнАЕОРСХКМТВНіїјΑΒΕΗΙΚΜΝΟΡΤΧΥαοιρ",
                            "aeopcyxkmtbhAEOPCXKMTBHiijABEHIKMNOPTXYaoip")
# Single characters separated by spaces, dots, dashes, stars...: "a r r e s t", "p.o.l.i.c.e".
_SPACED = re.compile(r"(?<![\w@$])(?:[\w@$][ .\-_*/|+]{1,2}){2,}[\w@$](?![\w@$])")
# Separators inside a word: "arr-est", "po.lice", "ja_il" (apostrophes kept: "don't").
_INNER = re.compile(r"(?<=[^\W\d_])[.\-_*|+]+(?=[^\W\d_])")
_TOKEN = re.compile(r"[\w@$|€]+(?:!+[\w@$|€]+)*")  # a "!" inside a word only
_LOOK = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e", "|": "l", "!": "i"}
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")


def _letters(token: str, one: str) -> str:
    """A token that mixes letters with look-alike digits or symbols, read as letters."""
    if not re.search(r"[^\W\d_]", token) or not re.search(r"[0-9@$!|€]", token):
        return token
    return "".join(one if c == "1" else _LOOK.get(c, c) for c in token)


def _unmask(text: str, one: str, keep: int) -> str:
    text = _SPACED.sub(lambda m: re.sub(r"[ .\-_*/|+]", "", m.group(0)), text)
    text = _INNER.sub("", text)
    text = _TOKEN.sub(lambda m: _letters(m.group(0), one), text)
    return _STRETCH.sub(lambda m: m.group(1) * keep, text)


def spellings(text: str) -> list[str]:
    """The text as written (Unicode-normalised), then each different plain reading."""
    base = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_HOMOGLYPHS)
    out = [base]
    for one in ("i", "l"):
        for keep in (2, 1):
            plain = _unmask(base, one, keep)
            if plain not in out:
                out.append(plain)
    return out


def plain_spelling(text: str) -> str:
    """The one plain reading the classifier sees (look-alikes as letters, stretches cut to two)."""
    return spellings(text)[1] if len(spellings(text)) > 1 else spellings(text)[0]


def find_violations(text: str, book: RuleBook | None = None) -> list[tuple[Rule, str]]:
    """Every (rule, matched words) in the text, in rule order; used by checks, tests and reports."""
    book = book or default_rules()
    hits = []
    readings = [sentences(t, book.negation) for t in spellings(text)]
    for rule in book.rules:
        match = next((m for parts in readings for sentence in parts
                      for m in _matches(rule, sentence, book)), None)
        if match:
            hits.append((rule, match.group(0)))
    return hits


def _matches(rule: Rule, sentence: str, book: RuleBook):
    for pattern in rule.patterns:
        for m in pattern.finditer(sentence):
            if not (rule.negatable and negated(sentence, m, book.negation)):
                yield m
