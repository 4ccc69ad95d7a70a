"""Round 8 (dev since the sixth session of 2026-12-07): what its conversations lost at 2ff90f1.

A weekly budget became six equal payments below it, and "that is my limit" a hand-off; "Bisa dicicil 1,2
juta tiap dua minggu" (after "nggak sanggup bayar 7 juta") a part payment of 7 million; "$60 a wk ... start
nxt monday" a promise of the whole balance; "paid every other Friday" a month; "in October" said in
December a date next October; "pay it all 2nite" only instructions; a promise beside "never contact my
family again" or beside a contact time was lost; "can I go to jail?" during a complaint case was only added
to the case; "SMS only" recorded while the plan on the table was never asked about again.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from bot.dialogue import during_handoff, second_answers
from bot.dialogue.move import OWN_TERMS, Move
from bot.dialogue.moves import Turn, decide
from bot.dialogue.offers import to_slot
from bot.dialogue.record_moves import PENDING, confirmed
from bot.negotiation.limits import limits_for
from bot.negotiation.plans import Request, plan_from_affordability, propose
from bot.nlu.normalise.spans import extract
from bot.nlu.signals import payment_period, read_signals
from tests.unit.dialogue.test_budget_offers import after, said, with_loan
from tests.unit.dialogue.test_dialogue_moves import PRODUCTS, TODAY

HARDSHIP_30 = limits_for(PRODUCTS["WALLET-30"], True)


def _amounts(offer) -> list[str]:
    return [str(i.amount) for i in offer.schedule]


def test_a_budget_is_paid_as_said_each_period_and_the_rest_last():
    offer = plan_from_affordability(Decimal("1200"), 7, balance=Decimal("6900"), currency="KES",
                                    limits=HARDSHIP_30, today=TODAY, hardship=True, first_due=date(2026, 12, 2))
    assert _amounts(offer) == ["1200.00"] * 5 + ["900.00"]
    assert [i.due.isoformat() for i in offer.schedule][:2] == ["2026-12-02", "2026-12-09"]
    usd = plan_from_affordability(Decimal("60"), 7, balance=Decimal("354"), currency="USD",
                                  limits=HARDSHIP_30, today=TODAY, hardship=True)
    assert _amounts(usd) == ["60.00"] * 5 + ["54.00"]


def test_a_budget_at_another_interval_or_a_rest_below_the_floor_keeps_equal_payments():
    monthly = plan_from_affordability(Decimal("1000"), 7, balance=Decimal("6900"), currency="KES",
                                      limits=limits_for(PRODUCTS["WALLET-30"], False), today=TODAY,
                                      hardship=False)
    amounts = {i.amount for i in monthly.schedule[:-1]}
    assert len(amounts) == 1  # equal (the allowed interval is not their week): never 4,285.71 then a rest
    tiny = plan_from_affordability(Decimal("1350"), 7, balance=Decimal("6900"), currency="KES",
                                   limits=HARDSHIP_30, today=TODAY, hardship=True)  # 5 x 1,350 would leave 150
    floor = HARDSHIP_30.min_instalment(Decimal("6900"), "KES")
    assert floor > Decimal("150")
    assert _amounts(tiny) == ["1150.00"] * 6


def test_every_other_friday_is_a_fortnight_and_a_month_long_past_is_past():
    assert payment_period("I get paid every other Friday and I can put $250 toward this each payday")["unit"] \
        == "fortnight"
    now = datetime(2026, 12, 7, 20, 0, tzinfo=timezone.utc)
    found = [(e["entity"], e["value"]) for e in extract("My hours got cut in half in October.", now, "UTC")]
    assert found == [("date", "2026-10-01")]
    assert [e["value"] for e in extract("I can pay in March", now, "UTC")] == ["2027-03-01"]


def test_an_amount_they_cannot_pay_before_the_one_they_can_is_not_theirs():
    now = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
    found = [(e["entity"], e["value"]) for e in extract(
        "Saya nggak sanggup bayar 7 juta sekaligus. Bisa dicicil 1,2 juta tiap dua minggu?", now, "Asia/Jakarta")
        if e["entity"] in ("amount", "not_amount")]
    assert found == [("not_amount", 7000000), ("amount", 1200000)]
    kept = [e["entity"] for e in extract("I will pay 5000 not 3000", now, "UTC") if "amount" in e["entity"]]
    assert kept == ["amount", "amount"]


def test_a_rate_with_a_start_day_is_a_budget_not_a_promise():
    loan = with_loan(total="6900.00", accrued_interest="600.00", late_fees="300.00")
    move = decide(said("lost my job. i cn do 1,500 a wk. not today tho, start nxt monday pls", "promise_to_pay",
                       loan, amount=1500, date="2026-12-07", not_date="2026-11-30"), PRODUCTS)
    assert move.action == "action_offer" and len(move.offer.schedule) > 1
    assert all(i.amount <= 1500 for i in move.offer.schedule)
    assert move.offer.schedule[0].due == date(2026, 12, 7)


def test_the_budget_said_again_keeps_the_plan_and_its_dates():
    slots = with_loan(total="6900.00", accrued_interest="600.00", late_fees="300.00") | {"hardship_reason": "job_loss"}
    first = decide(said("I lost my job. I can pay 1,200 a week from Wednesday", "request_instalments", slots,
                        amount=1200, date="2026-12-02"), PRODUCTS)
    assert first.action == "action_offer" and first.offer.schedule[0].due == date(2026, 12, 2)
    assert [i.amount for i in first.offer.schedule] == [Decimal("1200.00")] * 5 + [Decimal("900.00")]
    for text, intent in (("1,200 is my limit a week, please not more than that", "offer_partial_payment"),
                         ("Hiyo 1,200 ndiyo mwisho wangu kwa wiki", "deny")):
        again = decide(said(text, intent, after(first, slots), amount=1200), PRODUCTS)
        assert again.action == "action_offer", text
        assert again.offer.schedule == first.offer.schedule, text


def test_paying_it_all_today_is_recorded_as_said_with_how_to_pay():
    move = decide(said("ok cn i just pay it all 2nite? hw do i do it", "pay_in_full", with_loan(),
                       date=TODAY.isoformat()), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS)
    assert move.offer.schedule[0].due == TODAY and "payment_methods" in move.also


def test_a_promise_beside_a_stop_is_recorded_and_the_stop_asked_after():
    text = "Saya bisa lunasin semuanya hari Sabtu tanggal 5. Tapi tolong jangan pernah hubungi keluarga saya lagi"
    assert read_signals(text)["pays"]
    move = decide(said(text, "stop_contact", with_loan(), date="2026-12-05"), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS)
    assert any(a.startswith(("confirm_", "clarify_")) for a in move.also)  # the family contact, one tap


def test_terms_beside_a_contact_time_are_not_lost_to_talk_later():
    text = "I'll pay 3,000 today and the rest next Friday. And texts only from now on, after 2pm"
    move = decide(said(text, "busy_later", with_loan(), amount=3000, date=["2026-11-30", "2026-12-04"]), PRODUCTS)
    assert move.action == "action_offer"


def test_an_arrest_question_beside_a_complaint_case_is_answered():
    slots = with_loan() | {during_handoff.HANDED_OFF: True, during_handoff.CASE_INTENT: "complain"}
    move = decide(said("Saya beneran bisa dipenjara nggak sih gara-gara telat bayar?", "complain", slots), PRODUCTS)
    assert move.action == "action_consequences"


def test_the_classifier_alone_adds_the_crisis_line_and_the_reply_goes_on():
    turn = Turn(intent="promise_to_pay", text="I'll pay on Friday, then tell my family goodbye",
                now=datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc), slots=with_loan(),
                signals=read_signals("x"), entities={"date": ["2026-12-04"]}, self_harm_possible=True)
    move = decide(turn, PRODUCTS)
    assert move.action == "action_offer" and move.also[-1] == "crisis_check"
    in_case = decide(Turn(intent="thank", text="thanks", now=turn.now, slots=turn.slots | {
        during_handoff.HANDED_OFF: True}, signals=read_signals("thanks"), self_harm_possible=True), PRODUCTS)
    assert "crisis_check" in in_case.also
    assert second_answers.with_crisis_check(turn, Move("action_vulnerability")).also == ()


def test_a_channel_limit_confirmed_while_an_offer_waits_asks_about_the_offer_again():
    request = Request(kind="instalment_plan", count=3, frequency_days=14, date=date(2026, 12, 2))
    offer = propose(request, balance=Decimal("13860"), fees_and_interest=Decimal("1360"), currency="KES",
                    limits=limits_for(PRODUCTS["WALLET-30"], False), today=TODAY, arrangements_so_far=0,
                    hardship=False)
    slots = with_loan() | {"pending_offer": to_slot(offer, request_kind="instalment_plan")}
    pending = {"intent": "stop_contact", "text": "SMS only", "opt_out": "limits",
               "limits": {"no": ["voice"], "only": ["sms"]}}
    move = confirmed(said("好的，谢谢", "affirm", slots | {PENDING: pending}), pending)
    assert move.also == ("offer_again",)
    cease = confirmed(said("yes", "affirm", slots), {**pending, "opt_out": "cease"})
    assert cease.also == ()


def test_the_whole_balance_on_their_day_is_their_own_terms_not_a_change():
    request = Request(kind="part_payment", amount=Decimal("13860"), date=date(2026, 12, 4))
    offer = propose(request, balance=Decimal("13860"), fees_and_interest=Decimal("1360"), currency="KES",
                    limits=limits_for(PRODUCTS["WALLET-30"], False), today=TODAY, arrangements_so_far=0,
                    hardship=False)
    assert not offer.adjusted and offer.schedule[0].due == date(2026, 12, 4)


def test_a_date_of_birth_with_a_hindi_month_name_is_read():
    now = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)
    found = [(e["entity"], e["value"]) for e in extract("लोन नंबर LN-92377, जन्म तारीख 15 अगस्त 1986", now, "Asia/Kolkata")]
    assert ("date_of_birth", "1986-08-15") in found
    assert [e["value"] for e in extract("जन्म तिथि 3 फ़रवरी 1991", now, "Asia/Kolkata")] == ["1991-02-03"]


def test_terms_in_a_message_the_classifier_found_worrying_are_never_recorded_on_its_words():
    text = "Ab ghar mein sab mujhe hi dosh de rahe hain. Kal se main kisi pe bojh nahi rahunga. Sab khatam ho jayega"
    turn = Turn(intent="nlu_fallback", text=text, now=datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc),
                slots=with_loan(), signals=read_signals(text), entities={"date": ["2026-12-01"]},
                self_harm_possible=True)
    move = decide(turn, PRODUCTS)
    assert move.action != "action_offer" and move.also[-1] == "crisis_check"
    promise = Turn(intent="promise_to_pay", text="I'll pay it all on Friday", now=turn.now, slots=with_loan(),
                   signals=read_signals("I'll pay it all on Friday"), entities={"date": ["2026-12-04"]},
                   self_harm_possible=True)
    offered = decide(promise, PRODUCTS)
    assert offered.action == "action_offer" and offered.detail != OWN_TERMS  # asked, not recorded as said


def test_a_promise_to_pay_is_no_yes_to_a_dispute_and_an_amount_question_is_no_dispute():
    assert read_signals("Also why is it $636? I only borrowed $550.")["amount_question"]
    pending = {"intent": "dispute_debt", "text": "why is it 636", "opt_out": None, "limits": None}
    text = "Fine. I'll pay the whole 13,860 this Friday. Do not call my workplace again, ever."
    move = decide(said(text, "promise_to_pay", with_loan() | {PENDING: pending}, amount=13860,
                       date="2026-12-04"), PRODUCTS)
    assert move.action != "action_dispute"


def test_terms_with_a_channel_limit_beside_them_are_recorded_and_the_limit_asked_after():
    text = "I go pay una complete 13,860 this Friday. And make una stop to dey call me, na only text una fit send"
    assert read_signals(text)["opt_out"] == "limits"
    move = decide(said(text, "promise_to_pay", with_loan(), amount=13860, date="2026-12-04"), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS) and "confirm_stop_contact" in move.also
    plain = decide(said("I'll pay 13,860 this Friday", "promise_to_pay", with_loan(), amount=13860,
                        date="2026-12-04"), PRODUCTS)
    assert "confirm_stop_contact" not in plain.also


def test_a_day_just_gone_is_past_and_a_swahili_day_keeps_its_month():
    now = datetime(2026, 12, 9, 5, 0, tzinfo=timezone.utc)
    assert [e["value"] for e in extract("Sorry sorry, 3 nahi, 4 December ko kiya tha", now, "Asia/Kolkata")
            if e["entity"] == "date"] == ["2026-12-04"]
    assert [e["value"] for e in extract("I will pay on 20 December", now, "UTC")] == ["2026-12-20"]
    assert [e["value"] for e in extract("Nililipa tarehe 5 Desemba kupitia paybill", now, "Africa/Nairobi")] \
        == ["2026-12-05"]
    assert [e["value"] for e in extract("tarehe 15", now, "Africa/Nairobi")] == ["2026-12-15"]


def test_their_part_payment_said_again_with_stick_with_is_the_yes():
    loan = with_loan(total="290.00", accrued_interest="27.00", late_fees="13.00", currency="GBP")
    first = decide(said("cn i do 50 now n the rest nxt thurs when i get paid?", "offer_partial_payment", loan,
                        amount=50, date="2026-12-03"), PRODUCTS)
    assert first.action == "action_offer"
    again = decide(said("ok just stick with 50 now n the rest nxt thurs then", "offer_partial_payment",
                        after(first, loan), amount=50, date="2026-12-03"), PRODUCTS)
    assert again.action == "action_accept_offer"


def test_even_so_a_date_after_a_negated_clause_is_theirs():
    now = datetime(2026, 12, 7, 5, 0, tzinfo=timezone.utc)
    found = [(e["entity"], e["value"]) for e in extract(
        "Chalo theek hai, fee maaf nahi hoti to bhi 20 tareekh ko 11,550 pura de dunga", now, "Asia/Kolkata")]
    assert ("date", "2026-12-20") in found


def test_paying_it_all_now_without_a_date_is_today():
    text = "Ok sige, babayaran ko na lahat ngayon, 13,860 sa GCash"
    assert read_signals(text)["now"]
    move = decide(said(text, "pay_in_full", with_loan(), amount=13860), PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due == TODAY
    assert "payment_methods" in move.also
    assert not read_signals("I can't talk now")["pays"]


def test_asking_whether_paying_it_all_now_is_cheaper_records_nothing():
    move = decide(said("wait is it cheaper if i pay it all now?", "pay_in_full", with_loan()), PRODUCTS)
    assert move.action != "action_offer"
