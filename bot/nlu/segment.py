"""Chinese word segmentation with jieba, for the tokenizer and anything else that needs words.

Why jieba: Chinese is written without spaces, so spaCy's English tokenizer
returns a whole Chinese sentence as one token and the word features learn
nothing from it. jieba (0.42.1, pure Python, its dictionary ships in the
package, works offline) is the segmenter spaCy itself offers for `zh`. Only
runs of Han characters go through it; every other script is left to the
caller, so code-mixed messages ("能不能分期 pay") keep their English words.
"""
from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from typing import Iterator, Tuple

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _LOCK:
        tokenizer.initialize()  # ~1 s once: at model load, not on a borrower's first message
    return tokenizer


def warm_up() -> None:
    _segmenter()


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def words(text: str) -> Iterator[Tuple[str, int]]:
    """(word, offset in text) for each jieba word of each Han run; nothing for other scripts."""
    for run in HAN.finditer(text):
        offset = run.start()
        for word in _segmenter().cut(run.group(), HMM=True):
            yield word, offset
            offset += len(word)


def split_token(text: str, start: int) -> Iterator[Tuple[str, int]]:
    """A token as (piece, offset) pieces: its Han runs as jieba words, the rest as it was."""
    cursor = 0
    for run in HAN.finditer(text):
        if run.start() > cursor and text[cursor:run.start()].strip():
            yield text[cursor:run.start()], start + cursor
        for word, offset in words(run.group()):
            yield word, start + run.start() + offset
        cursor = run.end()
    if cursor < len(text) and text[cursor:].strip():
        yield text[cursor:], start + cursor
