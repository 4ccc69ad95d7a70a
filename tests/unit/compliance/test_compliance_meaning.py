"""Issue 13: the guard reads meaning, not a word list.

Protective texts pass while the threat they deny is blocked (pairs below);
disguised spellings are read as the words they hide; the rules speak Swahili,
Tagalog, Indonesian, Hindi in Latin script and Chinese. These examples are
the specification; the measured scores per split are in
bench/results/compliance.md.
"""
from __future__ import annotations

import pytest

from bot.compliance import check_text
from bot.compliance.matching import find_violations, spellings


def _rules(text: str) -> list[str]:
    return [rule.id for rule, _ in find_violations(text)]


@pytest.mark.parametrize("threat, protective, rule", [
    ("You will be arrested for this debt.", "You cannot be arrested for this debt.", "threat_of_arrest"),
    ("We will contact your employer.", "We will never contact your employer.", "third_party_shaming"),
    ("You will be jailed.", "You will not be jailed for owing money.", "threat_of_arrest"),
    ("The police are coming for you.", "Anyone claiming to be the police about this loan is a scammer.",
     "threat_of_arrest"),
    ("We will take you to court.", "Scammers sometimes pretend to be from the court; we never send court papers.",
     "threat_of_legal_action"),
    ("We will keep calling you day and night.", "The crisis hotline 1553 is open day and night.",
     "veiled_threat"),
    ("We will take enforcement action against you.",
     "Breathing Space pauses interest, charges and enforcement action on your debts.", "deceptive_urgency"),
    ("We will post your photo on Facebook.", "Could you share your loan reference so we can find your account?",
     "third_party_shaming"),
    ("Ipapakulong ka namin.", "Hindi ka makukulong dahil sa utang na ito.", "threat_of_arrest"),
    ("Tum jail jaoge.", "Aapko is loan ke liye koi jail nahi hogi.", "threat_of_arrest"),
    ("你会被拘留。", "您不会因为这笔欠款被拘留。", "threat_of_arrest"),
    ("Anda akan dipenjara.", "Anda tidak akan dipenjara karena utang ini.", "threat_of_arrest"),
])
def test_a_protective_text_passes_the_rules_its_threat_is_blocked(threat, protective, rule):
    assert rule in _rules(threat), threat
    assert _rules(protective) == [], protective


def test_a_warning_about_others_denies_only_what_follows_it():
    """"as a scammer" after the threat does not excuse posting the borrower's face."""
    assert "third_party_shaming" in _rules("Ipo-post namin ang mukha mo sa Facebook bilang scammer.")
    assert "third_party_shaming" in _rules("We will post your photo online as a scam warning to others.")


def test_non_payment_negations_still_threaten():
    """"if this balance is not cleared" belongs to the debt, not to the arrest."""
    assert "threat_of_arrest" in _rules("You will be arrested if this balance is not cleared by Friday.")
    assert "threat_of_arrest" in _rules("Kalau tidak bayar hari ini, kami laporkan ke polisi.")
    assert "threat_of_arrest" in _rules("Agar aaj payment nahi kiya to police tumhe utha legi.")
    assert "threat_of_arrest" in _rules("不还钱就报警抓你。")
    assert "threat_of_arrest" in _rules("Ipapakulong ka namin kapag hindi ka nagbayad.")


@pytest.mark.parametrize("text", [
    "You will be arr3sted tomorrow.", "The p0l1ce have your address.", "j@il is waiting for you.",
    "You will be a r r e s t e d at work.", "We will call the c.o.p.s tonight.", "You'll go to jaaaail.",
    "You will be arrrrrested.", "The р0lice are coming.",  # Cyrillic р
    "You will be arr\u200bested.",  # zero-width space
])
def test_disguised_spellings_are_read_as_the_words_they_hide(text):
    assert "threat_of_arrest" in _rules(text)


def test_plain_text_has_no_other_reading_and_amounts_are_left_alone():
    assert spellings("Your payment of KES 2,000 is due on 5 June!") == ["Your payment of KES 2,000 is due on 5 June!"]
    assert _rules("Please pay 1,500 by 3 July. Thank you!") == []


@pytest.mark.parametrize("text, rule", [
    ("Polisi watakuja nyumbani kwako kesho.", "threat_of_arrest"),
    ("Usipolipa utakamatwa.", "threat_of_arrest"),
    ("Tutawaambia familia yako kuhusu deni lako.", "third_party_shaming"),
    ("Tutakupeleka mahakamani.", "threat_of_legal_action"),
    ("Sasabihan namin ang amo mo tungkol sa utang mo.", "third_party_shaming"),
    ("Kakasuhan ka namin sa korte.", "threat_of_legal_action"),
    ("Pupuntahan ka namin sa bahay mo.", "threat_of_visit"),
    ("Data Anda akan kami sebar ke semua kontak.", "third_party_shaming"),
    ("Kami akan datang ke rumah Anda malam ini.", "threat_of_visit"),
    ("Keluarga Anda akan kami hubungi.", "third_party_shaming"),
    ("Tumhari family ko call karke sab bata denge.", "third_party_shaming"),
    ("Court mein case file kar denge.", "threat_of_legal_action"),
    ("Hum tumhare ghar aa rahe hain.", "threat_of_visit"),
    ("我们会把你的欠款告诉你所有的联系人。", "third_party_shaming"),
    ("明天我们会去你单位找你领导。", "threat_of_visit"),
    ("再不还款就起诉你。", "threat_of_legal_action"),
])
def test_threats_in_the_languages_served(text, rule):
    assert rule in _rules(text)


@pytest.mark.parametrize("text", [
    "Hatutawasiliana na familia yako wala mwajiri wako.",
    "Hindi namin kokontakin ang pamilya o amo mo.",
    "Kami tidak akan menghubungi keluarga atau kantor Anda.",
    "Hum aapki family ya office ko kabhi call nahi karenge.",
    "我们不会联系您的家人或单位。",
    "If you are thinking about hurting yourself, please call the Samaritans on 116 123.",
])
def test_protective_texts_in_the_languages_served_pass(text):
    assert check_text(text).allowed, check_text(text)
