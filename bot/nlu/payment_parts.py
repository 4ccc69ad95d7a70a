"""A payment said in two parts, each with its own date: which amount goes with which date.

"I can pay 2,000 today and the rest on the 15th" holds one amount, two dates
and "the rest"; read as entities alone, the dialogue sees an amount and a first
date and loses which part each date belongs to (issue 13: "500 now, the rest in
two weeks" answered with the rest tomorrow; "30k nxt fri n bal on 23rd" made
one promise of the whole balance). The entities carry where they were written,
so the parts are read here, once, from their order.

The signal ``parts`` is None, or exactly two parts::

    [{"amount": 0, "when": ["date", 0]},             # the first amount entity, the first date entity
     {"amount": "rest", "when": ["duration_days", 0]}]

An index counts entities of that name in the parse's order (the Turn's lists
keep it), so the dialogue reads each value as it resolved it, in the borrower's
zone. ``when`` None: the part has no date of its own (the first part: now).
The second part always has one, or there is no split to read. No Rasa import.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

from bot.nlu.lexicons import alternation

LEXICON = Path(__file__).resolve().parents[2] / "data" / "lexicons" / "payment_parts.yml"
WHENS = ("date", "duration_days")


@lru_cache(maxsize=1)
def _rest() -> re.Pattern:
    with open(LEXICON, encoding="utf-8") as fh:
        data = yaml.safe_load(fh) or {}
    words, han = data.get("rest"), data.get("rest_han")
    if not words or not han:
        raise ValueError(f"{LEXICON}: 'rest' and 'rest_han' must be non-empty lists")
    return re.compile(rf"(?<!\w){alternation(words)}(?!\w)|{alternation(han)}", re.IGNORECASE)


def _items(text: str, entities: Iterable[Mapping[str, Any]]) -> List[Tuple[int, str, Any]]:
    """(position, "anchor" | "when", reference) in the order written."""
    items: List[Tuple[int, str, Any]] = []
    counts: Dict[str, int] = {}
    for entity in entities:
        name = entity.get("entity")
        index = counts.get(name, 0)
        counts[name] = index + 1
        start = entity.get("start")
        if not isinstance(start, int):
            continue
        if name == "amount":
            items.append((start, "anchor", index))
        elif name in WHENS:
            items.append((start, "when", [name, index]))
    spans = [(e.get("start"), e.get("end")) for e in entities if isinstance(e.get("start"), int)]
    amounts_at = [e.get("start") for e in entities if e.get("entity") == "amount" and isinstance(e.get("start"), int)]
    for match in _rest().finditer(text):
        if any(s <= match.start() < (e or s) for s, e in spans):  # "balance" inside an entity is not ours
            continue
        if any(match.end() <= at <= match.end() + 3 for at in amounts_at):
            continue  # "the other 3,600 on the 16th": the rest's amount is written, that amount is the part
        items.append((match.start(), "anchor", "rest"))
    return sorted(items, key=lambda item: item[0])


def parts_of(text: str, entities: Optional[Iterable[Mapping[str, Any]]]) -> Optional[List[Dict[str, Any]]]:
    """The two parts of a split payment, or None (one part, three, or no date for the second)."""
    if not isinstance(text, str) or not entities:
        return None
    items = _items(text, list(entities))
    anchors = [i for i, item in enumerate(items) if item[1] == "anchor"]
    if len(anchors) != 2 or items[anchors[0]][2] == "rest":
        return None
    parts = []
    for n, at in enumerate(anchors):
        end = anchors[n + 1] if n + 1 < len(anchors) else len(items)
        after = [item[2] for item in items[at + 1:end] if item[1] == "when"]
        parts.append({"amount": items[at][2], "when": after[0] if after else None})
    before = [item[2] for item in items[:anchors[0]] if item[1] == "when"]
    if before and parts[0]["when"] is None:
        parts[0]["when"] = before[-1]  # "Mshahara ni tarehe 15, nitalipa 5,000 then the balance end month"
    if before and len(before) == 1 and parts[0]["when"] != before[-1] and parts[1]["when"] is None:
        # "today 2,000 and on the 15th the rest": every date written before its part
        parts[1]["when"], parts[0]["when"] = parts[0]["when"], before[-1]
    return parts if parts[1]["when"] is not None else None


def check_lexicon() -> None:
    """Compiles data/lexicons/payment_parts.yml now; raises ValueError naming the file if it is broken."""
    _rest()
