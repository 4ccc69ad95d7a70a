"""The test stories' loans (tests/stories/*.yml) are written once per file and read back whole.

A story lists the loan slot the actions set at each step. Pasted into every step, one loan was
copied 128 times and a field edited in one copy would go unnoticed; so each file names its loans
once under a top-level `loans:` key (which Rasa's story schema allows and its reader ignores) and
the steps use YAML aliases. These tests hold that shape and check that Rasa's own story reader
still sees every alias as a complete loan, without a model.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from bot.records import queries
from tests.support.records_fixtures import add_loan

ROOT = Path(__file__).resolve().parents[3]
STORY_FILES = sorted((ROOT / "tests" / "stories").glob("*.yml"))
# The fields of the loan slot in the stories (a part of what bot.records.queries.loan_state gives), in their order.
LOAN_KEYS = [
    "loan_id", "borrower_id", "currency", "total", "outstanding_principal", "accrued_interest",
    "late_fees", "due_date", "days_overdue", "product_code", "status", "jurisdiction", "timezone",
    "arrangements_count", "other_loan_ids",
]
LOAN_STEP = re.compile(r"^\s+- loan: (.*)$")
ALIAS = re.compile(r"^\*(\w+)$")


def loan_steps(path: Path) -> list[str]:
    """What follows `- loan:` on each step line of the file (an alias or null)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    stories = lines[lines.index("stories:"):]
    return [m.group(1) for m in map(LOAN_STEP.match, stories) if m]


def parsed_loans(path: Path) -> list:
    """Every value of the loan slot in the file's stories, as Rasa's story reader parses them."""
    steps = YAMLStoryReader(Domain.load(ROOT / "domain.yml"), source_name=str(path)).read_from_file(path)
    return [e.value for step in steps for e in step.events if isinstance(e, SlotSet) and e.key == "loan"]


def test_there_are_story_files():
    assert [p.name for p in STORY_FILES] == ["hardship.yml", "identity.yml", "negotiation.yml", "turns.yml"]


@pytest.mark.parametrize("path", STORY_FILES, ids=lambda p: p.name)
def test_each_loan_is_written_once_and_every_step_names_one(path):
    named = yaml.safe_load(path.read_text(encoding="utf-8"))["loans"]
    values = [tuple(sorted((k, str(v)) for k, v in loan.items())) for loan in named.values()]
    assert len(set(values)) == len(values), "two names for the same loan"
    steps = loan_steps(path)
    spelled_out = [s for s in steps if s != "null" and not ALIAS.match(s)]
    assert not spelled_out, f"a step spells its loan out instead of naming it under `loans:`: {spelled_out[:1]}"
    used = {ALIAS.match(s).group(1) for s in steps if s != "null"}
    assert used == set(named), f"named but unused: {set(named) - used}"


@pytest.mark.parametrize("path", STORY_FILES, ids=lambda p: p.name)
def test_rasa_reads_every_step_loan_as_a_whole_loan(path):
    steps = loan_steps(path)
    loans = parsed_loans(path)
    assert len(loans) == len(steps)
    assert [loan is None for loan in loans] == [s == "null" for s in steps]
    for loan in filter(None, loans):
        assert list(loan) == LOAN_KEYS
        assert re.fullmatch(r"LN-\d+", loan["loan_id"]) and loan["status"] in {"overdue", "in_arrangement"}
        assert isinstance(loan["arrangements_count"], int) and isinstance(loan["other_loan_ids"], list)


def test_the_story_loan_fields_are_ones_the_actions_set(records_db):
    add_loan(records_db, "LN-STORY-1")
    with records_db.session() as session:
        state = queries.loan_state(session, "LN-STORY-1")
    assert set(LOAN_KEYS) <= set(state), f"the stories' loans have fields the actions no longer set: {set(LOAN_KEYS) - set(state)}"
