"""A payment said in two parts keeps each part's own amount and date (issue 13).

"500 now, the rest in two weeks" was answered with the rest tomorrow and
"30k next friday and the balance on the 23rd" became one promise of the whole
balance. The turns here are read as the pipeline reads them: the entity
normaliser's entities with their positions, and the signals over both.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.dialogue.move import from_dict, to_dict
from bot.dialogue.moves import Turn, decide
from bot.dialogue.wording import note_text
from bot.negotiation.kinds import OfferKind
from bot.negotiation.notes import NoteCode
from bot.negotiation.plans import validate
from bot.nlu.normalise import extract
from bot.nlu.payment_parts import parts_of
from bot.nlu.signals import read_signals
from tests.unit.dialogue.test_dialogue_moves import NOW, PRODUCTS, TODAY, VERIFIED

ZONE = "Africa/Nairobi"  # the loan's; NOW is Monday 30 November 2026, 12:00 there


def read(text: str, intent: str = "offer_partial_payment", slots: dict | None = None) -> Turn:
    """The message as the NLU leaves it: entities in the order written, signals over text and entities."""
    entities = extract(text, now=NOW, tz=ZONE)
    values: dict[str, list] = {}
    for entity in entities:
        values.setdefault(entity["entity"], []).append(entity.get("value_text") or entity["value"])
    return Turn(intent=intent, text=text, now=NOW, slots=slots or VERIFIED, entities=values,
                signals=read_signals(text, entities))


def schedule(move) -> list[tuple[date, Decimal]]:
    return [(i.due, i.amount) for i in move.offer.schedule]


def codes(move) -> list[NoteCode]:
    return [n.code for n in move.offer.notes]


def test_a_part_today_and_the_rest_on_friday():
    move = decide(read("I can pay 5000 today and the rest on friday"), PRODUCTS)
    assert move.action == "action_offer" and move.offer.kind == OfferKind.PART_PAYMENT
    assert schedule(move) == [(TODAY, Decimal("5000.00")), (date(2026, 12, 4), Decimal("8860.00"))]
    assert not move.offer.notes


@pytest.mark.parametrize("text, intent", [
    ("nitalipa 5,000 ijumaa then the balance tarehe 6", "offer_partial_payment"),
    ("I'll pay 5000 on friday and the remaining on the 6th", "promise_to_pay"),
    ("friday 5000, the rest on the 6th", "request_instalments"),
])
def test_each_part_keeps_its_own_date_whatever_the_intent(text, intent):
    move = decide(read(text, intent), PRODUCTS)
    assert move.action == "action_offer" and move.offer.kind == OfferKind.PART_PAYMENT
    assert schedule(move) == [(date(2026, 12, 4), Decimal("5000.00")), (date(2026, 12, 6), Decimal("8860.00"))]
    assert not move.offer.notes


def test_the_rest_in_ten_days_is_named_when_the_window_moves_it():
    move = decide(read("2000 now, the rest in ten days"), PRODUCTS)
    assert schedule(move) == [(TODAY, Decimal("2000.00")), (date(2026, 12, 7), Decimal("11860.00"))]
    assert codes(move) == [NoteCode.REST_WINDOW]
    assert "7 days" in note_text(move.offer.notes, "KES")


def test_a_second_amount_that_leaves_some_unpaid_is_named_not_silently_changed():
    move = decide(read("6000 today and 7000 on friday"), PRODUCTS)
    assert schedule(move) == [(TODAY, Decimal("6000.00")), (date(2026, 12, 4), Decimal("7860.00"))]
    assert codes(move) == [NoteCode.REST_AMOUNT]
    assert "7,860.00" in note_text(move.offer.notes, "KES")


def test_a_first_date_too_late_for_the_rest_to_follow_is_moved_and_named():
    move = decide(read("5000 on the 10th and the rest on the 12th"), PRODUCTS)
    assert schedule(move) == [(date(2026, 12, 6), Decimal("5000.00")), (date(2026, 12, 7), Decimal("8860.00"))]
    assert codes(move) == [NoteCode.PART_FIRST_WINDOW, NoteCode.REST_WINDOW]


def test_the_rest_before_the_first_part_goes_after_it_and_says_so():
    move = decide(read("5000 on friday and the rest tomorrow"), PRODUCTS)
    assert schedule(move) == [(date(2026, 12, 4), Decimal("5000.00")), (date(2026, 12, 5), Decimal("8860.00"))]
    assert codes(move) == [NoteCode.REST_AFTER_FIRST]


def test_chinese_parts():
    move = decide(read("我周五先还5000，剩下的12月6号还"), PRODUCTS)
    assert schedule(move) == [(date(2026, 12, 4), Decimal("5000.00")), (date(2026, 12, 6), Decimal("8860.00"))]
    later = decide(read("我周五先还5000，剩下的下周三还"), PRODUCTS)  # Wednesday 9 December: past the window
    assert schedule(later)[1] == (date(2026, 12, 7), Decimal("8860.00")) and codes(later) == [NoteCode.REST_WINDOW]


def test_every_two_part_offer_passes_the_independent_check():
    for text in ("I can pay 5000 today and the rest on friday", "6000 today and 7000 on friday",
                 "5000 on the 10th and the rest on the 12th", "5000 on friday and the rest tomorrow"):
        move = decide(read(text), PRODUCTS)
        assert validate(move.offer, balance=Decimal("13860.00"), fees_and_interest=Decimal("1360.00"), currency="KES",
                        limits=PRODUCTS["WALLET-30"].standard, today=TODAY) == [], text


def test_the_parts_survive_the_slot():
    move = decide(read("5000 on friday and the rest on the 6th"), PRODUCTS)
    again = from_dict(to_dict(move))
    assert again.request.first_date == date(2026, 12, 4) and again.request.date == date(2026, 12, 6)


@pytest.mark.parametrize("text", [
    "I can pay 1000 a week",                       # a rate, not two parts
    "why is it 5,600 when I borrowed 5,000?",      # two amounts, no date
    "I will pay 3000 on friday",                   # one part
    "what is my balance",                          # "balance" alone
    "2000 now and the rest later",                 # the rest has no date: nothing to attach
])
def test_not_two_parts(text):
    entities = extract(text, now=NOW, tz=ZONE)
    assert parts_of(text, entities) is None


def test_a_date_written_before_each_part():
    text = "today 2000 and on friday the rest"
    entities = extract(text, now=NOW, tz=ZONE)
    assert parts_of(text, entities) == [{"amount": 0, "when": ["date", 0]}, {"amount": "rest", "when": ["date", 1]}]


def test_monthly_from_a_date_keeps_the_count_plan():
    """"每月还一次，从12月20号开始" to a 3-instalment offer turned it into a promise (issue 13 panel)."""
    from tests.unit.dialogue.test_budget_offers import after
    ill = {**VERIFIED, "hardship_reason": "illness"}  # the hardship limits: three months fit
    first = decide(Turn(intent="request_instalments", text="可以分三期还吗？", now=NOW, slots=ill,
                        entities={"instalments": [3]}, signals=read_signals("可以分三期还吗？")), PRODUCTS)
    assert first.action == "action_offer" and len(first.offer.schedule) == 3
    move = decide(read("每月还一次，从12月6号开始", "promise_to_pay", after(first, ill)), PRODUCTS)
    assert move.action == "action_offer" and len(move.offer.schedule) == 3
    assert move.request_kind == "instalment_plan"
    dues = [i.due for i in move.offer.schedule]
    assert dues == [date(2026, 12, 6), date(2027, 1, 6), date(2027, 2, 6)]  # their day of each month


def test_the_whole_balance_as_a_part_keeps_its_date():
    """"I'll pay the 13,860 tomorrow" read as a part payment became "pay in full today" (panel round 2)."""
    move = decide(Turn(intent="offer_partial_payment", text="I'll send 13860 tomorrow", now=NOW, slots=VERIFIED,
                       entities={"amount": ["13860"], "date": ["2026-12-01"]},
                       signals=read_signals("I'll send 13860 tomorrow")), PRODUCTS)
    assert move.action == "action_offer" and schedule(move) == [(date(2026, 12, 1), Decimal("13860.00"))]


@pytest.mark.parametrize("text", [
    "3450 on 1 dec and the rest on 15 dec",
    "1st part 3450 on 1 dec n 2nd part on 15 dec ok?",
])
def test_a_rest_one_plan_interval_after_the_first_part_is_a_two_instalment_plan(text):
    """The rest beyond the promise window was moved to its last day; a fortnight after the first
    part is a plan the limits allow, on the borrower's own amounts and dates (issue 13 panel)."""
    move = decide(read(text), PRODUCTS)
    assert move.offer.kind == OfferKind.INSTALMENT_PLAN and not move.offer.notes
    assert schedule(move) == [(date(2026, 12, 1), Decimal("3450.00")), (date(2026, 12, 15), Decimal("10410.00"))]


def test_a_rest_no_plan_interval_after_the_first_part_still_names_the_window():
    move = decide(read("3450 on 1 dec and the rest on 12 dec"), PRODUCTS)
    assert move.offer.kind == OfferKind.PART_PAYMENT and codes(move) == [NoteCode.REST_WINDOW]


@pytest.mark.parametrize("text, expected", [
    ("yep, 13860 on the 3rd", [(date(2026, 12, 3), Decimal("13860.00"))]),
    ("semuanya 13860 tanggal 3 Desember", [(date(2026, 12, 3), Decimal("13860.00"))]),
    ("5000 on friday, 8860 on the 6th", [(date(2026, 12, 4), Decimal("5000.00")), (date(2026, 12, 6), Decimal("8860.00"))]),
])
def test_terms_read_as_identity_details_once_verified_are_terms(text, expected):
    """"Iya, semuanya 944 ribu tanggal 25 Desember" got the statement again: read as identity."""
    move = decide(read(text, "provide_identity"), PRODUCTS)
    assert move.action == "action_offer" and schedule(move) == expected


def test_identity_details_once_verified_are_not_terms():
    move = decide(read("LN-20931, born 17 April 1991", "provide_identity"), PRODUCTS)
    assert move.action == "action_state_balance"


def _offered(text: str, intent: str = "offer_partial_payment") -> dict:
    """The slots after the bot offered what `text` asked for (as actions/negotiation.py sets them)."""
    from bot.dialogue.offers import to_slot
    move = decide(read(text, intent), PRODUCTS)
    return {**VERIFIED, "move": to_dict(move), "request_kind": move.request_kind.value,
            "pending_offer": to_slot(move.offer, request_kind=move.request_kind.value)}


def test_a_restated_first_part_keeps_the_rest_date():
    """"Wait, make it 2,500 sa Saturday": the first part changes, the rest stays on its day."""
    slots = _offered("2000 on wednesday and the rest on friday")
    move = decide(read("Wait, make it 2,500 on Wednesday", "offer_partial_payment", slots), PRODUCTS)
    assert schedule(move) == [(date(2026, 12, 2), Decimal("2500.00")), (date(2026, 12, 4), Decimal("11360.00"))]


def test_a_new_date_alone_moves_the_rest_not_the_whole_balance():
    """"actly make it d 15th" to 100 today and the rest on the 14th became a deferral of everything."""
    slots = _offered("2000 today and the rest on friday")
    move = decide(read("actually make it saturday", "request_deferral", slots), PRODUCTS)
    assert move.offer.kind == OfferKind.PART_PAYMENT
    assert schedule(move) == [(TODAY, Decimal("2000.00")), (date(2026, 12, 5), Decimal("11860.00"))]


def test_the_rest_said_with_its_day_moves_the_rest_not_the_first_part():
    """"So that leaves £128.70 on Tuesday 15th, right?" made 128.70 the first part (round 5, dev)."""
    slots = _offered("2000 on wednesday and the rest on friday")
    move = decide(read("So that leaves 11,860 on Saturday, right?", "offer_partial_payment", slots), PRODUCTS)
    assert schedule(move) == [(date(2026, 12, 2), Decimal("2000.00")), (date(2026, 12, 5), Decimal("11860.00"))]


@pytest.mark.parametrize("text, kind", [
    ("cn i pay 5000 2day n the rest fri?", OfferKind.PART_PAYMENT),
    ("cn u giv me 2wks?", OfferKind.DEFERRAL),
    ("fri the 4th yeah", OfferKind.PROMISE_TO_PAY),
])
def test_terms_no_intent_read_are_answered_with_an_offer(text, kind):
    """SMS spelling came back as "say it another way" twice, then a hand-off (round 5, dev)."""
    move = decide(read(text, "nlu_fallback"), PRODUCTS)
    assert move.action in ("action_offer", "action_ask_details") and (move.offer is None or move.offer.kind == kind)


def test_an_unread_death_with_a_date_is_still_a_vulnerability():
    t = read("Mtoto wangu ameaga wiki iliyopita, 2 weeks ago", "nlu_fallback")
    t = Turn(t.intent, t.text, t.now, t.slots, {**t.entities, "duration_days": ["14"]},
             signals={**t.signals, "hardship": "bereavement"})
    assert decide(t, PRODUCTS).action == "action_vulnerability"
