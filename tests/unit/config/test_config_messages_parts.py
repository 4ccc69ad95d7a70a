"""The catalogue's `parts:`: one template per note code the negotiation can give, checked at start-up."""
from __future__ import annotations

import ast

import pytest

from bot.config.errors import ConfigError
from bot.config.messages import BUTTON_TITLES, languages, load_messages, path_for
from bot.config.files import ROOT
from bot.dialogue.wording import BUTTON_SETS
from bot.negotiation.kinds import ArrangementKind, OfferKind
from bot.negotiation.notes import PARAMS, NoteCode
from tests.support.config_files import write_variant


def codes_the_negotiation_gives() -> set[str]:
    """Every NoteCode member named in the negotiation's code (the only way it can make a note)."""
    found = set()
    for path in (ROOT / "bot" / "negotiation").glob("*.py"):
        if path.name == "notes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "NoteCode":
                found.add(NoteCode[node.attr].value)
    return found


def test_every_code_the_negotiation_gives_has_a_template_and_no_code_is_dead():
    parts = load_messages().parts
    given = codes_the_negotiation_gives()
    assert given == {code.value for code in NoteCode} == set(parts.notes) == {code.value for code in PARAMS}
    assert len(given) == 36


def test_the_shipped_catalogue_has_every_part():
    parts = load_messages().parts
    assert set(parts.summaries) == {k.value for k in OfferKind}
    assert set(parts.arrangement_kinds) == {k.value for k in ArrangementKind}
    assert set(parts.buttons) == set(BUTTON_TITLES) == {key for keys in BUTTON_SETS.values() for key, _ in keys}
    assert languages() == ("en", "hi", "id", "sw", "tl", "zh")  # config/messages.<lang>.yml adds one
    assert path_for("sw").name == "messages.sw.yml" and path_for("en") == ROOT / "config" / "messages.yml"


def _refused(tmp_path, edit, message):
    path = write_variant(tmp_path / "messages.yml", "messages.yml", edit=edit)
    with pytest.raises(ConfigError, match=message):
        load_messages(path)


def test_an_unknown_note_code_is_refused_at_start_up(tmp_path):
    def edit(data):
        data["parts"]["notes"]["waiver_caped"] = "a typo"
    _refused(tmp_path, edit, r"messages.yml: parts.notes.waiver_caped: unknown note code")


def test_a_missing_note_code_is_refused_at_start_up(tmp_path):
    def edit(data):
        del data["parts"]["notes"]["cannot_split"]
    _refused(tmp_path, edit, r"messages.yml: parts.notes: missing note code\(s\): cannot_split")


def test_a_placeholder_the_note_does_not_have_is_refused(tmp_path):
    def edit(data):
        data["parts"]["notes"]["part_min"] = "the payment now has to be at least {amont}"
    _refused(tmp_path, edit, r"parts.notes.part_min: unknown placeholder \{amont\}")


@pytest.mark.parametrize("key, value, message", [
    ("locale", "xx_NOPE", "parts.locale: not a locale Babel knows"),
    ("schedule_line", "{n}. {due}: {amount} {currency}", r"parts.schedule_line: unknown placeholder \{currency\}"),
    ("summaries", {"deferral": "x"}, "parts.summaries: missing offer kind"),
    ("buttons", {"yes_set_it_up": "Yes"}, "parts.buttons: missing button"),
    ("note_joiner", "", "parts.note_joiner: expected a non-empty text"),
    ("notes", None, "parts.notes: missing"),
])
def test_a_wrong_part_is_refused_naming_its_key(tmp_path, key, value, message):
    def edit(data):
        if value is None:
            del data["parts"][key]
        else:
            data["parts"][key] = value
    _refused(tmp_path, edit, message)


def test_a_catalogue_without_parts_is_refused(tmp_path):
    def edit(data):
        del data["parts"]
    _refused(tmp_path, edit, "messages.yml: parts: missing")
