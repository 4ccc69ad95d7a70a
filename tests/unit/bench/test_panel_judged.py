"""The panel's table counts the judge's lines as they are (bench/panel_judged.py)."""
from __future__ import annotations

from bench.panel_judged import summary, table

TURNS = [
    {"run": "after", "panel": "p1", "turn": 1, "understood": True, "factual": True, "tone": True, "compliant": True,
     "forward": True, "unanswered": False, "self_harm_turn": True, "crisis_line_given": True},
    {"run": "after", "panel": "p1", "turn": 2, "understood": True, "factual": True, "tone": False, "compliant": True,
     "forward": True, "unanswered": False},
    {"run": "before", "panel": "p1", "turn": 1, "understood": False, "factual": False, "tone": False,
     "compliant": False, "forward": False, "unanswered": True, "self_harm_turn": True, "crisis_line_given": False},
]
CONVERSATIONS = [{"run": "after", "panel": "p1", "record_match": True, "never_happened": []},
                 {"run": "before", "panel": "p1", "record_match": False, "never_happened": ["silence"]}]


def test_a_turn_counts_only_when_right_on_all_five():
    after = summary(TURNS, CONVERSATIONS, "after")
    assert (after["turns"], after["all_five"], after["per_count"]["tone"]) == (2, 1, 1)
    assert (after["records"], after["self_harm"], after["crisis"]) == (1, 1, 1)
    before = summary(TURNS, CONVERSATIONS, "before")
    assert (before["unanswered"], before["crisis"], before["never"]) == (1, 0, 1)


def test_the_table_puts_before_first():
    header = table(TURNS, CONVERSATIONS).splitlines()[0]
    assert header.index("before") < header.index("after")
