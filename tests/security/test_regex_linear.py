"""Every regex that reads a borrower's words finishes fast on 100 KB of adversarial text.

A regex with overlapping quantifiers backtracks quadratically (or worse) on
the right input, and Rasa parses one message at a time: one such message
stalls the server for everyone. Each function on the message path gets
100 KB of the repetitions that trigger backtracking and must finish under a
generous bound; the real times are in bench/results/security.md (message
path), measured by bench/message_path.py with the same inputs.

The bound is checked on 10 KB first: a super-linear function fails there in
a second or two instead of hanging the suite for minutes on 100 KB.
"""
from __future__ import annotations

import time

import pytest

from bench.message_path import ADVERSARIAL, FUNCTIONS, PATTERN_CASES, adversarial

BOUND_S = 4.0  # generous: the slowest function takes ~1.1 s on 100 KB here (bench/results/security.md)
SIZE = 100_000


def timed(call, text: str) -> float:
    started = time.perf_counter()
    call(text)
    return time.perf_counter() - started


def assert_fast(call, make, label: str) -> None:
    call(make(100))  # patterns compile on their first call (lru_cache): that is not backtracking
    small = timed(call, make(SIZE // 10))
    assert small < BOUND_S / 10, f"{label}: {small:.2f} s on 10 KB already (super-linear?)"
    took = timed(call, make(SIZE))
    assert took < BOUND_S, f"{label}: {took:.2f} s on 100 KB"


@pytest.mark.parametrize("kind", sorted(ADVERSARIAL))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_message_path_function_is_fast_on_100_kb(name, kind):
    assert_fast(FUNCTIONS[name], lambda size: adversarial(kind, size), f"{name} on {kind!r}")


@pytest.mark.parametrize("case", PATTERN_CASES, ids=[c[0] for c in PATTERN_CASES])
def test_each_rewritten_pattern_is_linear_where_it_was_not(case):
    """The inputs that made the old patterns quadratic, straight to the pattern:
    the functions above cap or squash what reaches these, so they could hide a
    regression."""
    label, pattern, prefix, unit = case
    assert_fast(lambda text: pattern.search(text), lambda size: prefix + unit * size, label)


def test_the_inputs_are_what_they_claim():
    for kind in ADVERSARIAL:
        assert len(adversarial(kind, SIZE)) == SIZE, kind
    assert adversarial("I want to", 30) == "I want to I want to I want to "
