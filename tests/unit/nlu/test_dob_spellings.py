"""Dates of birth however written (issue 13): every spelling below goes through the real
entity normaliser and then the real verification against a borrower born on that day.

Numeric dates that read two ways ("03/04/1990") carry each reading; the verification
compares the one the holder's jurisdiction writes (config/compliance.yml `date_order`).
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from bot.config.compliance import date_orders
from bot.nlu.normalise import extract, parse_dob
from bot.records import queries
from bot.records.models import Borrower
from tests.support.records_fixtures import add_loan

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
VALENTINE = "1999-02-14"
_ids = itertools.count(1)

SPELLINGS = [
    # English month names, abbreviated and full, any case, ordinals, commas, separators
    ("14 Feb 1999", VALENTINE), ("14 February 1999", VALENTINE), ("14 feb 1999", VALENTINE),
    ("14 FEB 1999", VALENTINE), ("14th Feb 1999", VALENTINE), ("14th February, 1999", VALENTINE),
    ("14th of February 1999", VALENTINE), ("the 14th of February, 1999", VALENTINE),
    ("Feb 14 1999", VALENTINE), ("Feb 14, 1999", VALENTINE), ("Feb 14th, 1999", VALENTINE),
    ("February 14th 1999", VALENTINE), ("Feb. 14, 1999", VALENTINE), ("14 Feb. 1999", VALENTINE),
    ("14-Feb-1999", VALENTINE), ("14.Feb.1999", VALENTINE), ("14/Feb/1999", VALENTINE),
    ("14feb1999", VALENTINE), ("Feb-14-1999", VALENTINE), ("1999-Feb-14", VALENTINE),
    ("14 febuary 1999", VALENTINE), ("14 feburary 1999", VALENTINE), ("Sun 14 Feb 1999", VALENTINE),
    # two-digit years: a borrower is an adult, so '99 is 1999
    ("14 Feb '99", VALENTINE), ("14 feb 99", VALENTINE), ("Feb 14, 99", VALENTINE),
    ("14/02/99", VALENTINE), ("02/14/99", VALENTINE), ("99/02/14", VALENTINE),
    # numbers: day-first, month-first (14 > 12, so one reading), year-first; / - . and space
    ("14/02/1999", VALENTINE), ("14-02-1999", VALENTINE), ("14.02.1999", VALENTINE),
    ("14 02 1999", VALENTINE), ("14/2/1999", VALENTINE), ("02/14/1999", VALENTINE),
    ("2/14/1999", VALENTINE), ("1999-02-14", VALENTINE), ("1999/02/14", VALENTINE),
    ("1999.02.14", VALENTINE), ("1999-2-14", VALENTINE),
    # CJK
    ("1999年2月14日", VALENTINE), ("1999年02月14日", VALENTINE), ("１９９９年２月１４日", VALENTINE),
    ("1999 年 2 月 14 日", VALENTINE), ("1999년 2월 14일", VALENTINE),
    # in a sentence, with the reference
    ("my dob is 14 Feb 1999", VALENTINE), ("born on 14th Feb 1999", VALENTINE),
    ("DOB: 14/02/1999", VALENTINE), ("LN-20931 14 Feb 1999", VALENTINE),
    ("d.o.b 14-02-1999", VALENTINE), ("It's 14 February, 1999.", VALENTINE),
    # Swahili, Tagalog/Filipino, Indonesian month names
    ("14 Februari 1999", VALENTINE), ("14 Pebrero 1999", VALENTINE), ("Pebrero 14, 1999", VALENTINE),
    ("14 Febrero 1999", VALENTINE), ("3 Machi 1990", "1990-03-03"), ("20 Marso 1995", "1995-03-20"),
    ("20 Maret 1995", "1995-03-20"), ("4 Aprili 1984", "1984-04-04"), ("4 Abril 1984", "1984-04-04"),
    ("5 Mei 1992", "1992-05-05"), ("5 Mayo 1992", "1992-05-05"), ("12 Juni 1988", "1988-06-12"),
    ("Hunyo 12, 1988", "1988-06-12"), ("9 Julai 1975", "1975-07-09"), ("9 Hulyo 1975", "1975-07-09"),
    ("9 Juli 1975", "1975-07-09"), ("17 Agosti 1985", "1985-08-17"), ("17 Agosto 1985", "1985-08-17"),
    ("17 Agustus 1985", "1985-08-17"), ("17 Agu 1985", "1985-08-17"), ("17 Agt 1985", "1985-08-17"),
    ("11 Septemba 1993", "1993-09-11"), ("11 Setyembre 1993", "1993-09-11"), ("11 Sept 1993", "1993-09-11"),
    ("1 Oktoba 1979", "1979-10-01"), ("1 Oktubre 1979", "1979-10-01"), ("1 Okt 1979", "1979-10-01"),
    ("30 Novemba 1991", "1991-11-30"), ("30 Nobyembre 1991", "1991-11-30"),
    ("25 Desemba 1980", "1980-12-25"), ("25 Disyembre 1980", "1980-12-25"), ("25 Des 1980", "1980-12-25"),
    ("25 Desember 1980", "1980-12-25"), ("1 Januari 2000", "2000-01-01"), ("1 Enero 2000", "2000-01-01"),
]


def test_the_table_is_the_issue_target():
    assert len(SPELLINGS) >= 60 and len({text for text, _ in SPELLINGS}) == len(SPELLINGS)


def _dob_entity(text: str) -> dict:
    found = [e for e in extract(text, NOW) if e["entity"] == "date_of_birth"]
    assert len(found) == 1, (text, extract(text, NOW))
    return found[0]


def _readings(entity: dict) -> dict:
    return {order: date.fromisoformat(iso) for order, iso in (entity.get("readings") or {}).items()}


def _borrower(db, born: str, jurisdiction: str) -> str:
    loan_id = f"LN-77{next(_ids):04d}"  # a reference the NLU reads
    add_loan(db, loan_id)
    with db.session() as s:
        row = s.query(Borrower).filter_by(borrower_id=f"B-{loan_id}").one()
        row.date_of_birth, row.jurisdiction = date.fromisoformat(born), jurisdiction
    return loan_id


def _verifies(db, loan_id: str, text: str) -> bool:
    entity = _dob_entity(text)
    with db.session() as s:
        loan = queries.verify_borrower(s, loan_id, date.fromisoformat(entity["value"]),
                                       readings=_readings(entity), date_orders=date_orders())
        return loan is not None and loan.loan_id == loan_id


@pytest.fixture(scope="module")
def born(records_db):
    """One KE borrower per date of birth in the table."""
    return {iso: _borrower(records_db, iso, "KE") for iso in {iso for _, iso in SPELLINGS}}


@pytest.mark.parametrize("text, iso", SPELLINGS)
def test_every_spelling_reads_and_verifies(records_db, born, text, iso):
    entity = _dob_entity(text)
    assert entity["value"] == iso and parse_dob(text, NOW) == date.fromisoformat(iso)
    assert text[entity["start"]:entity["end"]] == entity["text"]
    assert _verifies(records_db, born[iso], text)


def test_a_wrong_date_still_fails(records_db, born):
    assert not _verifies(records_db, born[VALENTINE], "15 Feb 1999")
    assert not _verifies(records_db, born[VALENTINE], "14 Feb 1989")


# --- numbers that read two ways: the holder's jurisdiction decides -----------------------

def test_ambiguous_numbers_carry_every_reading_day_first_shown():
    entity = _dob_entity("03/04/1990")
    assert entity["value"] == "1990-04-03"
    assert entity["readings"] == {"DMY": "1990-04-03", "MDY": "1990-03-04"}
    assert "readings" not in _dob_entity("14/02/1999") and "readings" not in _dob_entity("05/05/1990")
    assert _dob_entity("05/04/03")["readings"] == {"DMY": "2003-04-05", "MDY": "2003-05-04", "YMD": "2005-04-03"}


@pytest.mark.parametrize("jurisdiction, born_on, accepted", [
    ("KE", "1990-04-03", True), ("KE", "1990-03-04", False),       # day-first: one guess, not two
    ("UK", "1990-04-03", True), ("UK", "1990-03-04", False),
    ("US", "1990-03-04", True), ("US", "1990-04-03", False),       # month-first
    ("US-MA", "1990-03-04", True), ("US-MA", "1990-04-03", False),
    ("PH", "1990-03-04", True), ("PH", "1990-04-03", True),        # both are written there
    ("CN", "1990-03-04", True), ("CN", "1990-04-03", True),        # year-first reads neither: both tried
    ("DEFAULT", "1990-03-04", True), ("DEFAULT", "1990-04-03", True),  # no order configured
])
def test_the_jurisdiction_picks_the_reading(records_db, jurisdiction, born_on, accepted):
    loan_id = _borrower(records_db, born_on, jurisdiction)
    assert _verifies(records_db, loan_id, "03/04/1990") is accepted


def test_two_digit_year_first_is_read_in_china(records_db):
    loan_id = _borrower(records_db, "2005-04-03", "CN")
    assert _verifies(records_db, loan_id, "05/04/03")
    assert not _verifies(records_db, _borrower(records_db, "2003-04-05", "CN"), "05/04/03")


@pytest.mark.parametrize("text, iso", [
    ("born 14/02/99", VALENTINE), ("my dob is 3/4/05", "2005-04-03"),  # 2005 is 18+ years back
    ("born 03/04/10", "1910-04-03"),  # 2010 would make a 16-year-old borrower
    ("born on 5th june 88", "1988-06-05"),
])
def test_two_digit_birth_years_make_an_adult(text, iso):
    assert _dob_entity(text)["value"] == iso


def test_month_names_are_matched_whole():
    """'jana' (Swahili: yesterday) is not January; 'set' is not September; 'ago' is not August."""
    kinds = lambda text: [e["entity"] for e in extract(text, NOW)]  # noqa: E731
    assert kinds("nililipa jana") == ["date"]
    assert "date" not in kinds("I set 3 reminders") and "date_of_birth" not in kinds("I set 3 reminders")
    assert [e["value"] for e in extract("I paid 2 weeks ago", NOW) if e["entity"] == "date"] == ["2026-11-11"]


# --- through action_verify: the readings reach the records, also across two turns ---------

class _Tracker:
    """What action_verify reads of rasa-sdk's Tracker, with the NLU's parse as latest_message."""

    def __init__(self, sender: str, parse: dict):
        self.sender_id, self.latest_message = sender, parse
        self.events = [{"event": "user", "metadata": {}, "input_channel": "rest"}]

    def get_latest_input_channel(self) -> str:
        return "rest"


def _say(session, sender: str, text: str, slots: dict) -> tuple[list[str], dict]:
    from actions import identity
    from actions.turns import Reply
    from bot.dialogue.turn import turn_from_parse

    parse = {"text": text, "intent": {"name": "provide_identity"}, "entities": extract(text, NOW)}
    turn = turn_from_parse(parse, slots, NOW)
    reply = Reply(turn)
    events = identity.verify(turn, reply, session, _Tracker(sender, parse))
    return [key for key, _, _ in reply.messages], {e["name"]: e["value"] for e in events if e["event"] == "slot"}


@pytest.mark.parametrize("jurisdiction, born_on, verified", [
    ("US", "1990-03-04", True), ("KE", "1990-04-03", True), ("KE", "1990-03-04", False),
])
def test_action_verify_hands_the_readings_over(records_db, jurisdiction, born_on, verified):
    loan_id = _borrower(records_db, born_on, jurisdiction)
    with records_db.session() as s:
        said, slots = _say(s, f"dob-{next(_ids)}", f"{loan_id} 03/04/1990", {})
    assert said[0] == ("verified_statement" if verified else "verify_failed")
    assert bool(slots.get("verified")) is verified


def test_readings_wait_in_the_slot_for_the_reference(records_db):
    loan_id = _borrower(records_db, "1990-03-04", "US")
    sender = f"dob-{next(_ids)}"
    with records_db.session() as s:
        said, slots = _say(s, sender, "my dob is 03/04/1990", {})
        assert said == ["ask_missing_reference"]
        assert slots["candidate_dob"] == {"DMY": "1990-04-03", "MDY": "1990-03-04"}
        said, slots = _say(s, sender, loan_id, {"candidate_dob": slots["candidate_dob"]})
    assert said[0] == "verified_statement" and slots["verified"] is True


@pytest.mark.parametrize("orders", [["DDMM"], [], ["DMY", "DMY"], "DMY"])
def test_a_wrong_date_order_stops_the_bot_naming_the_key(tmp_path, orders):
    from bot.config.compliance import load_compliance
    from bot.config.errors import ConfigError
    from tests.support.config_files import write_variant

    path = write_variant(tmp_path / "compliance.yml", "compliance.yml", {"profiles": {"KE": {"date_order": orders}}})
    with pytest.raises(ConfigError, match="date_order"):
        load_compliance(path)


def test_the_config_and_the_nlu_name_the_same_orders():
    from bot.config.compliance import DATE_ORDERS as CONFIGURED
    from bot.nlu.normalise.birthdates import DATE_ORDERS

    assert CONFIGURED == DATE_ORDERS
