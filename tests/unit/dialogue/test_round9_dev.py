"""Round 9 (dev since the seventh session of 2026-12-07): what its conversations lost at 367b4e4.

After a refused fee waiver every later promise ("Fine. I'll pay the full 5,750 on Friday 11th") was
refused again as a waiver and never recorded; "Bunga berapa, denda berapa?" was read as a waiver request;
"Theek hai, 2000 har mahine, pehli payment Thursday 10 Dec ko" said yes to "stop contacting you?" and
recorded cease-contact; "mere papa ko call mat karna" was read as a stop; "mahine ka 2000" was one
payment; shifts cut to three days a week opened no hardship limits; their budget said again with a start
date was handed over as a refusal of itself; "Pwede simula Dec 15, sahod ko" gave no date at all.
"""
from __future__ import annotations

from datetime import datetime, timezone

from bot.dialogue.move import OWN_TERMS, to_dict
from bot.dialogue.moves import Turn, decide
from bot.dialogue.record_moves import PENDING
from bot.nlu.normalise import extract
from bot.nlu.signals import read_signals
from tests.unit.dialogue.test_budget_offers import after, said, with_loan
from tests.unit.dialogue.test_dialogue_moves import NOW, PRODUCTS


def test_after_a_refused_waiver_their_own_terms_are_recorded_not_refused_again():
    slots = with_loan()
    refused = decide(said("Can you waive the late fee at least?", "request_fee_waiver", slots), PRODUCTS)
    assert refused.action == "action_offer" and not refused.offer.waiver
    text = "Fine. I'll pay the full 13,860 on Friday 4th via UPI"
    move = decide(said(text, "promise_to_pay", after(refused, slots), amount=13860, date="2026-12-04"), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS)
    assert not move.offer.notes and move.request.waiver_percent is None


def test_what_each_charge_is_is_a_fees_question_not_a_waiver_request():
    for text in ("Rinciannya apa aja? Bunga berapa, denda berapa?",
                 "What exactly are the charges: interest, late fee, processing fee? Give me the split",
                 "magkano po yung interes?", "byaj kitna hai?", "利息是多少？",
                 "Kok tagihan saya 2.760.000? Saya cuma pinjam 2.400.000."):
        assert read_signals(text)["amount_question"], text
    assert not read_signals("Can you waive the late fee at least?")["amount_question"]
    unsure = Turn(intent="request_fee_waiver", text="Rinciannya apa aja? Bunga berapa, denda berapa?", now=NOW,
                  slots=with_loan(), signals=read_signals("Rinciannya apa aja? Bunga berapa, denda berapa?"),
                  intent_confidence=0.37)
    assert decide(unsure, PRODUCTS).action == "action_explain_fees"


def test_terms_with_no_word_of_a_stop_are_no_yes_to_stopping_contact():
    pending = {"intent": "stop_contact", "text": "mere papa ko call mat karna", "opt_out": "cease", "limits": None}
    text = "Theek hai, 2000 har mahine, pehli payment Thursday 3 Dec ko, last wali mein jo bacha ho"
    move = decide(said(text, "request_instalments", with_loan() | {PENDING: pending}, amount=2000,
                       date="2026-12-03"), PRODUCTS)
    assert move.action != "action_stop_contact"
    stop = decide(said("haan, call mat karo mujhe", "affirm", with_loan() | {PENDING: pending}), PRODUCTS)
    assert stop.action == "action_stop_contact"


def test_someone_else_not_to_be_called_is_the_family_worry_not_a_stop():
    for text in ("Aur please mere papa ko call mat karna, unko nahi pata", "please don't call my mother",
                 "usimpigie mke wangu", "别联系我家人"):
        signals = read_signals(text)
        assert signals["contacts_worry"] and "stop_contact" not in (signals["evidence"] or ()), text
        assert not signals["contact_limits"], text
    assert "stop_contact" in read_signals("mat call karo mujhe")["evidence"]
    assert read_signals("don't call my number")["contact_limits"] == {"no": ["voice"], "only": []}


def test_a_cut_in_shifts_opens_the_hardship_limits_and_mahine_ka_is_a_month():
    assert read_signals("Nabawasan kasi ako ng shifts sa BPO since October, 3 days a week na lang pasok ko")[
        "hardship_likely"] == "reduced_income"
    assert read_signals("mahine ka 2000 de sakta hu max")["period"] == {"unit": "month", "per": True, "every": False}


def test_their_budget_said_again_with_a_start_date_is_the_plan_from_that_date():
    slots = with_loan(status="overdue") | {"hardship_reason": "job_loss"}
    asked = decide(said("mahine ka 3500 de sakta hu max", "cannot_pay", slots, amount=3500), PRODUCTS)
    waiting = {**slots, "move": to_dict(asked), "awaiting": "date", "request_kind": "instalment_plan"}
    offered = decide(said("3 Dec", "inform", waiting, date="2026-12-03"), PRODUCTS)
    assert offered.action == "action_offer"
    text = "Theek hai, 3500 har mahine, pehli payment 5 Dec ko"
    move = decide(said(text, "request_instalments", after(offered, waiting), amount=3500, date="2026-12-05"),
                  PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due.isoformat() == "2026-12-05"
    assert {str(i.amount) for i in move.offer.schedule[:-1]} == {"3500.00"}


def test_a_day_before_a_comma_or_a_full_stop_is_a_date():
    now = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    for text in ("Pwede simula Dec 15, sahod ko kasi yun", "by Dec 15. thanks", "pay on the 15, ok"):
        assert [e["value"] for e in extract(text, now, "Asia/Manila") if e["entity"] == "date"] == ["2026-12-15"]
    assert [e["entity"] for e in extract("Dec 15,000", now, "Asia/Manila")] == ["amount"]


def _read(text: str, intent: str, slots: dict) -> Turn:
    """A message as the pipeline reads it: the real normaliser's entities and the signals over them."""
    found = extract(text, NOW, "Africa/Nairobi")
    entities: dict = {}
    for each in found:
        entities.setdefault(each["entity"], []).append(each["value"])
    return Turn(intent=intent, text=text, now=NOW, slots=slots, signals=read_signals(text, found), entities=entities)


def test_two_dated_parts_said_as_two_instalments_are_recorded_as_said():
    move = decide(_read("mending dicicil 2x aja: 5000 tanggal 5, sisanya 8860 tanggal 19", "offer_partial_payment",
                        with_loan()), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS)
    assert [(str(i.due), str(i.amount)) for i in move.offer.schedule] == [("2026-12-05", "5000.00"),
                                                                           ("2026-12-19", "8860.00")]


def test_a_first_part_with_a_day_of_its_own_never_falls_due_today():
    """"1,500 on 14th, then mbili za 2,125" put 1,500 due today (round 9 (dev))."""
    move = decide(_read("1,500 on 4th, then mbili za 6,180", "offer_partial_payment", with_loan()), PRODUCTS)
    assert move.offer is None or all(i.due > NOW.date() for i in move.offer.schedule)
    now = decide(_read("500 now, the rest in two weeks", "offer_partial_payment", with_loan()), PRODUCTS)
    assert now.offer.schedule[0].due == NOW.date()


def test_paying_it_now_in_sms_tagalog_is_paying_today_and_sampai_with_a_date_is_no_goodbye():
    text = "bbyaran q n ngaun buo. mgkno b tlga?"
    assert read_signals(text)["pays"] and read_signals(text)["now"] and read_signals(text)["how_much"]
    move = decide(_read(text, "ask_consequences", with_loan()), PRODUCTS)
    assert move.action == "action_offer" and move.offer.schedule[0].due == NOW.date()
    assert "payment_methods" in move.also
    dated = decide(_read("iya sampai tanggal 5 ya", "goodbye", with_loan()), PRODUCTS)
    assert dated.action == "action_offer" and dated.offer.schedule[-1].due.isoformat() == "2026-12-05"


def test_if_that_day_no_work_is_no_job_loss():
    assert read_signals("If month end no work, make am 25th den. 10k Friday, 16k 25th. Final")["hardship"] is None
    assert read_signals("I have no work since October")["hardship"] == "job_loss"


def test_a_payment_reference_is_no_loan_reference_and_eight_digits_beside_one_are_a_date_of_birth():
    now = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)

    def refs(text: str) -> list:
        return [(e["entity"], e["value"]) for e in extract(text, now, "Asia/Manila")
                if e["entity"] in ("loan_reference", "date_of_birth")]
    assert refs("Ref no. 5013 472 889 106, 1,740 buong binayad ko. LN-38255 po yung loan") == [
        ("loan_reference", "LN-38255")]
    assert refs("ref no 20931") == [("loan_reference", "LN-20931")]
    assert refs("LN-39308，20030505") == [("loan_reference", "LN-39308"), ("date_of_birth", "2003-05-05")]
    assert refs("dob 19970819") == [("date_of_birth", "1997-08-19")]
    assert refs("20030505") == [] and refs("ln 39308 dob 20151201") == [("loan_reference", "LN-39308")]


def test_a_relatives_phone_a_death_in_pidgin_and_a_learning_disability_are_read():
    assert read_signals("Good morning. This na my husband phone. Una dey send message about loan")["someone_else"]
    assert read_signals("My husband Emeka die for October 29. Na accident.")["hardship"] == "bereavement"
    assert read_signals("He has a learning disability and I look after his finances")["hardship"] == "illness"
    assert read_signals("my phone is dead, I'll pay tomorrow")["hardship"] is None
    closed = decide(_read("My husband Emeka die for October 29. Na accident.", "disclose_vulnerability",
                          {"third_party_closed": True}), PRODUCTS)
    assert closed.action == "action_death_reported"


def test_the_whole_balance_on_a_day_beside_a_complaint_is_recorded_and_the_complaint_asked_after():
    text = "Yes, 13,860 on Friday the 4th. And I want it noted that three texts in one morning is harassment"
    move = decide(_read(text, "complain", with_loan()), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS) and move.also


def test_a_reference_beside_a_two_digit_year_birthday_verifies():
    now = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    found = [(e["entity"], e["value"]) for e in extract("LN38301 may 29 97", now, "America/New_York")]
    assert found == [("loan_reference", "LN-38301"), ("date_of_birth", "1997-05-29")]


def test_rights_under_the_law_are_a_legal_mention_for_a_person():
    assert read_signals("I know my rights under Massachusetts law")["legal_threat"]
    assert not read_signals("I know I have to pay, you are right")["legal_threat"]


def test_sound_ta_to_an_offer_is_a_yes_and_a_payment_code_is_no_amount():
    slots = with_loan()
    offered = decide(said("I'll pay it all on Friday the 4th", "promise_to_pay", slots, date="2026-12-04"), PRODUCTS)
    move = decide(said("sound ta", "stop_contact", after(offered, slots)), PRODUCTS)
    assert move.action == "action_accept_offer"
    now = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)
    assert [e["entity"] for e in extract("I have the confirmation number: 7781-KQ2. I dispute this amount", now,
                                         "America/Los_Angeles")] == []
    assert [e["value"] for e in extract("KES-5000 on friday", now, "Africa/Nairobi") if e["entity"] == "amount"] == [5000]


def test_a_promise_is_no_yes_to_a_complaint_question_but_the_complaint_words_are():
    pending = {"intent": "complain", "text": "Kok saya tidak dapat pengingat", "opt_out": None, "limits": None}
    slots = with_loan() | {PENDING: pending}
    move = decide(_read("Baik, saya lunasi semuanya hari Jumat tanggal 4 ya", "promise_to_pay", slots), PRODUCTS)
    assert (move.action, move.detail) == ("action_offer", OWN_TERMS)
    yes = decide(_read("Ya, saya mau komplain", "affirm", slots), PRODUCTS)
    assert yes.action == "action_complain"


def test_hindi_in_devanagari_asks_for_a_complaint_and_a_time():
    said_then = read_signals("ठीक है तो शाम 6 से 7 के बीच। और मेरी शिकायत दर्ज करो")
    assert said_then["complaint_asked"] and said_then["contact_time"]["hour"] == 18
    assert read_signals("लेकिन आगे से सिर्फ रात 8 बजे के बाद कॉल करना")["contact_time"] == {
        "relation": "after", "hour": 20, "minute": 0}


def test_a_frightened_question_about_the_police_is_answered_not_asked_as_a_complaint():
    text = "Habari. Nimepokea ujumbe unasema deni langu limechelewa. Je, mtanipeleka polisi? Naogopa sana"
    move = decide(_read(text, "complain", {}), PRODUCTS)
    assert move.action == "action_consequences"


def test_ill_as_i_will_is_no_illness_and_sales_down_in_pidgin_is_reduced_income():
    assert read_signals("ok ill pay the full 232 thursday w my card")["hardship"] is None
    assert read_signals("I fell ill last week")["hardship"] == "illness"
    assert read_signals("Since September sales don drop reach half, customers no dey buy")[
        "hardship_likely"] == "reduced_income"
