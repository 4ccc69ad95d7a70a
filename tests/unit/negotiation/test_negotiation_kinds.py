"""One vocabulary of kinds (bot/negotiation/kinds.py), and every table of ours keyed by it."""
from __future__ import annotations

import json

import pytest

from bot.dialogue.moves import REQUESTS_BY_INTENT
from bot.negotiation.kinds import (
    PLAN_KINDS, PROPOSABLE, RECORDED_AS, SINGLE_KINDS, ArrangementKind, LadderStep, OfferKind, RequestKind,
)
from bot.negotiation.ladder import STEPS
from bot.negotiation.plans import Offer, Request
from bot.records.models import ARRANGEMENT_KINDS


def test_the_records_keep_the_arrangement_kinds_of_the_vocabulary():
    # bot/records imports nothing of ours, so it spells them itself: the two must not drift.
    assert set(ARRANGEMENT_KINDS) == {k.value for k in ArrangementKind}


def test_every_offer_is_recorded_as_an_arrangement_and_is_a_ladder_rung():
    assert set(RECORDED_AS) == set(OfferKind)
    assert {k.value for k in OfferKind} | {"person"} == {s.value for s in LadderStep} == set(STEPS)
    assert set(PLAN_KINDS) | set(SINGLE_KINDS) | {OfferKind.PART_PAYMENT} == set(OfferKind)


def test_every_intent_that_negotiates_asks_for_a_known_request():
    assert set(REQUESTS_BY_INTENT.values()) == set(RequestKind)
    assert set(PROPOSABLE) == set(RequestKind) - {RequestKind.AFFORDABILITY}


def test_kinds_read_as_their_plain_words():
    assert OfferKind.DEFERRAL == "deferral" and f"{OfferKind.DEFERRAL}" == str(OfferKind.DEFERRAL) == "deferral"
    assert json.dumps({"kind": OfferKind.HARDSHIP_PLAN}) == '{"kind": "hardship_plan"}'


def test_offers_and_requests_take_the_plain_words_and_refuse_others():
    assert Offer("deferral", ()).kind is OfferKind.DEFERRAL
    assert Request("fee_waiver").kind is RequestKind.FEE_WAIVER
    with pytest.raises(ValueError, match="unknown offer kind 'haggle'"):
        Offer("haggle", ())
    with pytest.raises(ValueError, match="unknown request kind 'affordability'"):
        Request("affordability")  # what they can afford is asked as a plan with an amount
