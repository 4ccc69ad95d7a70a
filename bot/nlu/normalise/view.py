"""The text the entity rules read, and the way back to what the borrower typed.

Why a view: the rules are written once, against one spelling of a message, and
every other spelling is the view's job. Four rewrites, in order:

1. full-width forms as ASCII ("ＬＮ－２０９３１" -> "LN-20931", "：" -> ":"), one
   character for one, so nothing moves;
2. Chinese numerals as digits ("一千五" -> "1500", "十五号" -> "15号",
   "一九九〇年" -> "1990年", "1.5万" -> "15000"; data/lexicons/numbers.yml);
3. a space between a Han character and a Latin letter or digit ("借款编号LN-20931"
   -> "借款编号 LN-20931", "还2k吧" -> "还 2k 吧"): Chinese has no spaces, so without it
   a `\\b` never falls there (Han characters are word characters), the English
   rules could not see "LN-20931" or "2k", and could fire across a Chinese word;
4. SMS shorthand as its words (shorthand.py).

Every rewrite keeps a map from the view back to the typed text (shorthand.Expanded),
so an entity's start, end and text are always what the borrower typed.
"""
from __future__ import annotations

import re
from typing import Iterable, Tuple

from bot.nlu.normalise import shorthand
from bot.nlu.normalise.common import _cap
from bot.nlu.normalise.numbers import ZH_RUN, zh_number
from bot.nlu.normalise.shorthand import Expanded

# U+FF01..U+FF5E are ASCII 0x21..0x7E shifted; U+3000 is the ideographic space.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0xFFE5: ord("¥"), 0xFFE0: ord("¢"), 0xFFE1: ord("£")})
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SCRIPT_EDGE = re.compile(rf"(?<=[{HAN}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{HAN}])")
Piece = Tuple[int, int, str]  # replace text[start:end] with the string


def _rewrite(text: str, pieces: Iterable[Piece]) -> Expanded:
    """`text` with each piece replaced (an empty span inserts); a replaced span maps back whole."""
    out, lo, hi, pos = [], [], [], 0
    for start, end, word in pieces:
        out.append(text[pos:start])
        lo.extend(range(pos, start))
        hi.extend(range(pos, start))
        out.append(word)
        lo.extend([start] * len(word))
        hi.extend([start] + [end] * (len(word) - 1))
        pos = end
    out.append(text[pos:])
    lo.extend(range(pos, len(text) + 1))
    hi.extend(range(pos, len(text) + 1))
    return Expanded("".join(out), tuple(lo), tuple(hi))


def _then(first: Expanded, second: Expanded) -> Expanded:
    """`second` (a rewrite of first.text) mapped all the way back to what `first` rewrote."""
    return Expanded(second.text, tuple(first.lo[i] for i in second.lo), tuple(first.hi[i] for i in second.hi))


# "几十块", "一百多", "十来天": a rough number, not this one
_ROUGH_BEFORE = re.compile(r"[几幾]$")
_ROUGH_AFTER = re.compile(r"[多几幾来來余餘]")
_WEEKDAY_BEFORE = re.compile(r"(?:周|週|星期|礼拜|禮拜)$")


def _numerals(text: str) -> Iterable[Piece]:
    for m in ZH_RUN.finditer(text):
        if _ROUGH_BEFORE.search(text, 0, m.start()) or _ROUGH_AFTER.match(text, m.end()):
            continue
        if _WEEKDAY_BEFORE.search(text, 0, m.start()) and len(m.group(0)) > 1 and m.group(0)[0] in "一二三四五六":
            # "下周四一次还清" is next Thursday, all at once: the weekday is one numeral (round 6 (dev))
            yield m.start(), m.start() + 1, zh_number(m.group(0)[0])
            continue
        digits = zh_number(m.group(0))
        if digits is not None and digits != m.group(0):
            # "2280一次还不上" is 2280, once: a Chinese numeral never joins the digits before it
            glued = m.start() > 0 and text[m.start() - 1].isdigit() and not m.group(0)[0].isdigit()
            # "周五18号" is Friday the 18th, never 518; two spaces, so no "5 500" thousands group either
            before = m.end() < len(text) and text[m.end()].isdigit()
            yield m.start(), m.end(), (" " if glued else "") + digits + ("  " if before else "")


def build(typed: str) -> Expanded:
    """The view of `typed` the rules read; `Expanded.span` maps a view span back to `typed`."""
    folded = typed.translate(_FOLD)
    view = _rewrite(folded, ())  # identity: folding moves no character
    if ZH_RUN.search(folded):
        view = _then(view, _rewrite(view.text, _numerals(view.text)))
    if _SCRIPT_EDGE.search(view.text):
        view = _then(view, _rewrite(view.text, ((m.start(), m.start(), " ") for m in _SCRIPT_EDGE.finditer(view.text))))
    short = shorthand.expand(view.text)
    return _then(view, short) if short.text != view.text else view


def read(text: str) -> str:
    """The view of a phrase for the `parse_*` functions (a span another extractor found)."""
    return build(_cap(text)).text
