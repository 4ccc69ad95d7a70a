"""The record signals of issue 13 (bot/nlu/record_signals.py, bot/nlu/contact_time.py).

A move that changes the record needs the words that make the claim: each
signal has positives in every language we serve where we could write them,
and the hard negatives that used to be misread (the issue's own examples).
"""
from __future__ import annotations

import pytest
import yaml

from bot.nlu import contact_time as contact_module, lexicons, record_signals
from bot.nlu.contact_time import contact_time
from bot.nlu.record_signals import (
    RECORD_INTENTS, amount_question, correction, evidence, family_contact, hardship_likely, who_is_this,
)
from bot.nlu.signals import read_signals


# --- evidence ------------------------------------------------------------------------------------

EVIDENCE = {
    "already_paid": [
        "I paid", "I already sent it", "transferred yesterday", "here is the receipt", "I have paid the full amount",
        "we paid it last week", "already paid!!", "I sent you 2000 this morning", "i pd yesterday",
        "QJK3H7T2LM Confirmed. Ksh2,000 sent to TAWI", "the loan was already cleared",
        "nimelipa", "nishalipa jana", "nimetuma pesa", "nakabayad na po ako", "bayad na ako", "sudah bayar",
        "saya sudah transfer kemarin", "maine pay kar diya", "paise bhej diye", "已经还了", "我已经付款了",
    ],
    "dispute_debt": [
        "this loan is not mine", "I never borrowed", "I never took this loan", "fraud", "this is identity theft",
        "I don't owe this", "I already cleared it and you still charge me", "I didn't take any loan from you",
        "someone used my ID", "mkopo huu si wangu", "sijawahi kukopa", "hindi ako nangutang", "wala akong utang",
        "bukan pinjaman saya", "saya tidak pernah pinjam", "maine koi loan nahi liya", "不是我的贷款",
        "我从来没借过钱",
    ],
    "stop_contact": [
        "stop contacting me", "stop messaging me", "don't text me", "unsubscribe", "leave me alone", "STOP",
        "never call me again", "acha kunitumia", "msinipigie tena", "tigilan niyo ako", "wag niyo na akong tawagan",
        "jangan hubungi saya lagi", "mat call karo", "别再联系我", "不要再打电话了",
    ],
    "wrong_person": [
        "wrong number", "I don't know this person", "no one by that name here", "not my number",
        "I'm not him", "I'm not Mary", "for the 10th time I am not Chinedu", "there is no Joseph here",
        "this isn't Esther's number anymore", "sorry who? I don't know any Wanjiru", "simjui huyo", "umekosea namba", "maling number po", "hindi ko po siya kilala",
        "salah nomor", "saya tidak kenal", "galat number hai", "Saya bukan Sari, ini nomor saya sudah 2 tahun",
        "saya bukan Ibu Sari", "mimi si Wanjiru", "main Rahul nahi hoon", "打错了", "我不认识这个人",
    ],
    "complain": [
        "I want to complain", "I'm reporting you", "this is harassment", "5 calls yesterday",
        "your agent called my wife", "I want to file a formal complaint", "you called me 10 times",
        "your agent was so rude", "nataka kulalamika", "magrereklamo ako", "saya mau komplain",
        "shikayat karunga", "我要投诉",
    ],
}


@pytest.mark.parametrize("intent, text", [(i, t) for i, texts in EVIDENCE.items() for t in texts])
def test_each_record_intent_has_evidence_in_its_words(intent, text):
    assert intent in evidence(text)


@pytest.mark.parametrize("text, wrong", [
    # the issue: "I get paid on the 15th" was recorded as already paid
    ("I get paid on the 15th", "already_paid"), ("when I get paid", "already_paid"), ("payday", "already_paid"),
    ("I will pay", "already_paid"), ("I'll be paid on friday", "already_paid"),
    ("I got paid yesterday so I can pay now", "already_paid"), ("have I paid enough?", "already_paid"),
    ("I haven't paid yet", "already_paid"), ("I sent you a message yesterday", "already_paid"),
    ("nitalipa kesho", "already_paid"), ("belum bayar", "already_paid"), ("还没还", "already_paid"),
    ("my ref is LN-20931", "already_paid"),
    # the issue: an amount question set the loan disputed
    ("why is it 5,600 when I borrowed 5,000?", "dispute_debt"), ("how did 20k become 26,400??", "dispute_debt"),
    ("can I pay 5000 instead of 5600", "dispute_debt"), ("is this a fraud alert?", "dispute_debt"),
    # the issue: a Chinese request for instalments set cease-contact; "who is this?" got "we won't contact you"
    ("分期还款", "stop_contact"), ("我想分期还款", "stop_contact"), ("who is this?", "stop_contact"),
    ("I can't stop worrying", "stop_contact"), ("jangan besok", "stop_contact"),
    ("Fine. Monday. The whole thing. Then you lose my number.", "stop_contact"),  # once paid, not now
    ("pay it all friday and then leave me alone", "stop_contact"),
    ("Abeg make una stop to dey call me every time. I go pay 17,250 by Wednesday", "stop_contact"),  # how often
    ("who is this?", "wrong_person"), ("I don't know what to do", "wrong_person"),
    ("I know the number is wrong in your system", "wrong_person"), ("I'm not sure", "wrong_person"),
    ("I'm not OK with this", "wrong_person"),
    ("saya bukan penipu", "wrong_person"), ("aku bukan orang jahat", "wrong_person"), ("I am not Happy with this", "complain"), ("yes, that's me", "wrong_person"),
    ("hey, it's me again", "wrong_person"),
    ("no complaints, thanks", "complain"), ("I'm not complaining, just asking", "complain"),
    ("I can pay 3 times a month", "complain"),
    ("罚息是怎么算的？我不是要投诉，就是想弄明白", "complain"), ("I'm not trying to complain, just asking", "complain"),
])
def test_hard_negatives_are_not_evidence(text, wrong):
    assert wrong not in evidence(text)


def test_evidence_is_a_sorted_list_of_record_intents():
    found = evidence("wrong number, stop texting me, I already paid and this is harassment")
    assert found == sorted(found) == ["already_paid", "complain", "stop_contact", "wrong_person"]
    assert set(found) <= set(RECORD_INTENTS)
    assert evidence("") == [] and evidence("hello") == []


def test_the_opt_out_detector_of_the_compliance_profiles_counts_as_stop_contact_evidence():
    from bot.compliance.profiles import default_profiles
    for prof in default_profiles().values():
        for phrase in prof.cease_phrases + prof.channel_phrases:
            assert "stop_contact" in evidence(phrase), phrase


# --- the questions and flags -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("who is this?", True), ("who are you", True), ("who's texting me", True), ("which company is this", True),
    ("who r u", True), ("whos this", True), ("who am I talking to?", True), ("nani huyu", True),
    ("wewe ni nani", True), ("sino to", True), ("sino po sila", True), ("siapa ini", True), ("ini siapa?", True),
    ("kaun hai", True), ("aap kaun ho", True), ("你是谁", True), ("你们是哪个公司", True),
    ("who can I talk to", False), ("who should I call about my loan", False), ("who is this loan for?", False),
    ("I will pay on friday", False), ("", False),
])
def test_who_is_this(text, expected):
    assert who_is_this(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("why is it 5,600 when I borrowed 5,000?", True), ("how did 20k become 26,400??", True),
    ("where does the extra come from", True), ("why so much interest", True),
    ("why is my balance so high", True), ("what are these extra charges for?", True),
    ("kwa nini imeongezeka", True), ("mbona deni ni kubwa hivi", True), ("bakit lumaki", True),
    ("bakit ang laki ng utang ko", True), ("kenapa jadi besar sekali", True), ("itna zyada kyun", True),
    ("为什么这么多", True), ("利息怎么这么高", True),
    ("how much do I owe", False), ("what is my balance", False), ("can I pay 5000 a month", False),
    ("why are you calling me", False), ("this loan is not mine", False),
])
def test_amount_question(text, expected):
    assert amount_question(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("they reduced my hours", "reduced_income"), ("my hours were cut", "reduced_income"),
    ("kak usaha warung saya omsetnya turun setengah", "reduced_income"),  # -nya on the noun (issue 13 panel)
    ("kumita lang ako ng kalahati ngayon", "reduced_income"), ("dhandha aadha ho gaya hai", "reduced_income"),
    ("business is down 50%", "reduced_income"), ("sales dropped this month", "reduced_income"),
    ("my salary is delayed", "reduced_income"), ("salary delayed", "reduced_income"),
    ("I took a pay cut", "reduced_income"), ("I'm only getting half salary", "reduced_income"),
    ("biashara imeshuka sana", "reduced_income"), ("mshahara umechelewa", "reduced_income"),
    ("bawas sahod ngayon", "reduced_income"), ("mahina ang benta", "reduced_income"),
    ("gaji saya dipotong", "reduced_income"), ("penjualan turun", "reduced_income"),
    ("salary kat gayi", "reduced_income"), ("工资被降了", "reduced_income"), ("生意不好", "reduced_income"),
    ("I get paid on the 15th", None), ("my salary comes on the 30th", None), ("the shop is open", None),
    ("I can pay less than that", None), ("", None),
])
def test_hardship_likely(text, expected):
    assert hardship_likely(text) == expected


def test_reduced_income_and_documented_hardship_can_come_together():
    said = read_signals("my business is down 50% and my husband is in hospital")
    assert said["hardship_likely"] == "reduced_income" and said["hardship"] is not None
    lost = read_signals("I lost my job")
    assert lost["hardship"] == "job_loss" and lost["hardship_likely"] is None


@pytest.mark.parametrize("text, expected", [
    ("your agent phoned my wife", True), ("you called my boss", True), ("why are you messaging my mother", True),
    ("why did you call my employer?", True), ("my sister got a call from your collector", True),
    ("stop calling my colleagues", True), ("your people visited my office", True),
    ("mlipigia mke wangu", True), ("wamepigia bosi wangu", True), ("tinawagan niyo ang amo ko", True),
    ("ginugulo niyo ang pamilya ko", True), ("kenapa menghubungi keluarga saya", True),
    ("meri biwi ko call kiya", True), ("你们打电话给我老婆", True),
    ("Your people sent messages to my contacts calling me a debtor", True),  # issue 13 panel, round 4 (dev)
    ("Someone from your company rang my work reception on Wednesday", True), ("my work is slow this month", False),
    ("you can call my wife if you want", False), ("my wife will pay", False), ("I called my boss", False),
    ("my mother is sick", False), ("nitampigia mama", False),
    ("那20号我会把3390全部还上。真的不会联系我家人吧？", False),  # a worry, issue 13 panel round 4 (dev)
])
def test_family_contact(text, expected):
    assert family_contact(text) is expected


def test_a_family_contact_report_is_complaint_evidence():
    assert "complain" in evidence("your agent phoned my wife")


@pytest.mark.parametrize("text, expected", [
    ("no, I didn't say that", True), ("that's not what I said", True), ("I never said that", True),
    ("you misunderstood", True), ("you got it wrong", True), ("no i meant friday", True),
("hindi yan ang sinabi ko", True), ("sikusema hivyo", True),
    ("saya tidak bilang begitu", True), ("maine aisa nahi kaha", True), ("我没这么说", True),
    ("what is this 500 penalty fee, I never agreed to that", False), ("I misunderstood the due date", False), ("I didn't get the SMS", False), ("yes that's right", False),
    ("I said I will pay on friday", False), ("", False),
])
def test_correction(text, expected):
    assert correction(text) is expected


# --- the contact time --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, relation, hour, minute", [
    ("message me after 7pm", "after", 19, 0), ("Message me after 7pm", "after", 19, 0),
    ("call me after 19:00", "after", 19, 0), ("text me before 8am", "before", 8, 0),
    ("at 6:30 pm", "at", 18, 30), ("call me after 7.30pm", "after", 19, 30), ("text me b4 8 a.m.", "before", 8, 0),
    ("call me at 1900hrs", "at", 19, 0), ("after 12 noon please", "after", 12, 0),
    ("baada ya saa moja jioni", "after", 19, 0), ("nipigie kabla ya saa tatu asubuhi", "before", 9, 0),
    ("saa nne usiku", "at", 22, 0), ("saa sita usiku", "at", 0, 0), ("saa 7 jioni", "at", 19, 0),
    ("tawagan niyo ako pagkatapos ng alas siyete ng gabi", "after", 19, 0),
    ("hubungi setelah jam 7 malam", "after", 19, 0), ("shaam 7 baje ke baad call karo", "after", 19, 0),
    ("晚上7点以后联系我", "after", 19, 0), ("下午3点前打电话", "before", 15, 0),
])
def test_contact_time(text, relation, hour, minute):
    assert contact_time(text) == {"relation": relation, "hour": hour, "minute": minute}


@pytest.mark.parametrize("text", [
    "call me after 7",  # no part of the day, no clock form: not a plain time
    "I'll pay at 6pm",  # a payment time, not a contact time
    "I can pay 7.50", "pay 2000 tonight", "in 2 hours", "call me tomorrow", "I owe 6,500", "5 calls yesterday",
    "",
])
def test_no_contact_time(text):
    assert contact_time(text) is None


# --- the shape, the data ------------------------------------------------------------------------------

NEW_KEYS = {"evidence", "who_is_this", "amount_question", "hardship_likely", "family_contact", "contact_time",
            "correction"}


def test_read_signals_carries_the_new_keys():
    said = read_signals("who is this? message me after 7pm")
    assert NEW_KEYS <= set(said)
    assert said["who_is_this"] is True and said["contact_time"] == {"relation": "after", "hour": 19, "minute": 0}
    assert said["evidence"] == [] and said["correction"] is False and said["hardship_likely"] is None
    quiet = read_signals("")
    assert {k: quiet[k] for k in NEW_KEYS} == {
        "evidence": [], "who_is_this": False, "amount_question": False, "hardship_likely": None,
        "family_contact": False, "contact_time": None, "correction": False}


def test_the_component_adds_the_new_keys():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.signal_reader import SignalReader
    message = Message(data={"text": "your agent phoned my wife, stop calling me"})
    SignalReader.create({}, None, None, None).process([message])
    said = message.get("signals")
    assert said["family_contact"] is True and said["evidence"] == ["complain", "stop_contact"]


def _with_lexicon(monkeypatch, tmp_path, name: str, edit) -> None:
    data = lexicons.load(name)
    edited = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))
    edit(edited)
    (tmp_path / f"{name}.yml").write_text(yaml.safe_dump(edited, allow_unicode=True), encoding="utf-8")
    real = lexicons.load

    def load(wanted: str, directory=lexicons.DIRECTORY):
        return real(wanted, tmp_path if wanted == name else directory)
    monkeypatch.setattr(lexicons, "load", load)
    record_signals._rules.cache_clear()
    contact_module._rules.cache_clear()


def test_a_phrase_added_to_the_lexicon_is_read_with_no_code_change(tmp_path, monkeypatch):
    assert "already_paid" not in evidence("nimekamilisha malipo")
    try:
        _with_lexicon(monkeypatch, tmp_path, "record_signals",
                      lambda d: d["evidence"]["already_paid"]["match"].append(r"\bnimekamilisha\s+malipo\b"))
        assert "already_paid" in evidence("nimekamilisha malipo")
    finally:
        monkeypatch.undo()
        record_signals._rules.cache_clear()
    assert "already_paid" not in evidence("nimekamilisha malipo")


def test_an_unless_pattern_cancels_the_evidence(tmp_path, monkeypatch):
    try:
        _with_lexicon(monkeypatch, tmp_path, "record_signals",
                      lambda d: d["evidence"]["wrong_person"]["unless"].append(r"\bwrong\s+number\s+of\b"))
        assert "wrong_person" not in evidence("I paid the wrong number of instalments")
        assert "wrong_person" in evidence("wrong number")
    finally:
        monkeypatch.undo()
        record_signals._rules.cache_clear()


def test_a_broken_lexicon_fails_loudly(tmp_path, monkeypatch):
    try:
        _with_lexicon(monkeypatch, tmp_path, "record_signals", lambda d: d["evidence"].pop("complain"))
        with pytest.raises(ValueError, match="complain"):
            record_signals.check_lexicon()
    finally:
        monkeypatch.undo()
        record_signals._rules.cache_clear()
    record_signals.check_lexicon()


def test_a_contact_relation_added_to_the_lexicon_is_read(tmp_path, monkeypatch):
    assert contact_time("call me despues 7pm")["relation"] == "at"
    try:
        _with_lexicon(monkeypatch, tmp_path, "contact_time",
                      lambda d: d["relations"]["after"]["before_time"].append("despues"))
        assert contact_time("call me despues 7pm") == {"relation": "after", "hour": 19, "minute": 0}
    finally:
        monkeypatch.undo()
        contact_module._rules.cache_clear()


@pytest.mark.parametrize("text,reference", [
    ("I paid, ref 9QX-22814", "9QX-22814"), ("receipt no. TX558201", "TX558201"),
    ("transaction id: 88213", "88213"), ("QJK7H2P9XL confirmed", "QJK7H2P9XL"),
    ("I paid yesterday", None), ("the code is in my sms", None), ("I get paid on the 15th", None),
    # the loan's own reference is not a payment's (issue 13 panel: "reference LN-20931" went on the case as a receipt)
    ("loan reference LN-20931", None), ("reference no LN-20931 I already paid", None), ("loan ref 77310", None),
    ("ref LN-20931 receipt TX558201", "TX558201"), ("loan LN-20931, mpesa ref RKT5ZQ1ABC", "RKT5ZQ1ABC"),
    # "is" between the word and the code, and digits in groups (issue 13 panel)
    ("ok paid. confirmation is 9QX-22814", "9QX-22814"), ("struknya ada. kodenya 7781 2290 1100", "7781 2290 1100"),
    ("Transfer reference was LN27403", None),
])
def test_the_payment_reference_is_read_as_typed(text, reference):
    assert read_signals(text)["payment_reference"] == reference


@pytest.mark.parametrize("text,paid", [
    ("ok paid. confirmation is 9QX-22814", True), ("bayar lewat Indomaret, struknya ada", True),
    ("receipt no. TX558201", True), ("yes paid", True),
    ("ok i get paid on the 15th", False), ("what is the code 12345 for", False), ("my loan ref 77310", False),
])
def test_a_named_payment_reference_is_evidence_of_a_payment(text, paid):
    assert ("already_paid" in evidence(text)) is paid


@pytest.mark.parametrize("text, yes", [
    ("Yep, Monday's fine", True), ("Ndio, hakuna simu wala SMS", True), ("对。投诉的事你们一定要给我一个说法", True),
    ("oo sige", True), ("ya udah ok", True), ("yes confirm", True), ("ji haan", True), ("好的", True),
    ("I gree. Abeg set am", True), ("sounds good", True), ("Great, thank you!", True), ("no wahala", True),
    ("great job ruining my credit", False), ("ok thanks", False), ("brilliant, thank you", True),
    ("sure thing", True), ("cool story", False), ("ya dats fyn. wat acct", True), ("yes thats fine", True),
    ("yes but not friday", False), ("ok lakini sio kesho", False), ("yesterday I paid", False),
    ("Okay so what do I owe", False), ("好像不对", False), ("no", False), ("I'll pay monday", False),
    ("Ya benar, salah sambung. Terima kasih", True), ("Oya, I don send the 8k", True), ("oyabun", False),
])
def test_a_message_that_opens_with_a_yes(text, yes):
    """A yes to what is on the table whatever the rest reads as; a "but" makes it a counter."""
    assert read_signals(text)["yes_first"] is yes


@pytest.mark.parametrize("text, said", [
    ("Hello, main Rohit bol raha hoon, Aman ka bada bhai. Aman abhi Dubai mein hai", True),
    ("Uska loan number LN-65817 hai, DOB 30 April 1996", True), ("hey this is Marcus's brother", True),
    ("ref LN-57712, his bday is 01/19/1994", True), ("I'm his wife", True), ("mimi ni mke wake", True),
    ("kapatid niya ako", True), ("saya kakaknya", True), ("我是他哥哥", True), ("他的借款编号是LN-20931", True),
    ("writing for my husband, he is in hospital", True),
    ("LN-20931, born 17 April 1991", False), ("my brother will pay for me", False), ("I am the borrower", False),
    ("this is my loan, LN-20931", False), ("Hi it's Grace, LN-20931", False), ("I am writing for the first time", False),
    ("my wife's phone, but it's my loan LN-20931", False),
])
def test_someone_writing_for_the_borrower(text, said):
    """Round 5 (dev): a brother writing in Hinglish was verified with his brother's details."""
    assert read_signals(text)["someone_else"] is said
