"""Round 6 (dev) of the blind panel, read after its blind runs: what each fix must keep doing."""
from __future__ import annotations

from bot.dialogue.moves import Turn, decide
from bot.nlu.safety import mentions_self_harm
from bot.nlu.signals import read_signals
from tests.unit.dialogue.test_dialogue_moves import NOW, PRODUCTS
from tests.unit.dialogue.test_during_handoff import COMPLAINT_CASE, WAITING


def said(text: str, intent: str, slots: dict, **entities) -> Turn:
    return Turn(intent=intent, text=text, now=NOW, slots=slots, signals=read_signals(text),
                self_harm=mentions_self_harm(text), entities={k: [v] for k, v in entities.items()})


def test_a_death_certificate_during_a_hand_off_is_a_message_not_a_crisis():
    """The classifier's vulnerability read on "where do I send the death certificate?" gave a widow a crisis line."""
    move = decide(said("Surat kematian saya kirim kemana?", "disclose_vulnerability", WAITING), PRODUCTS)
    assert move.action != "action_handoff_self_harm" and move.escalation is None
    ideation = decide(said("Kabhi kabhi lagta hai sab khatam kar doon, phir na loan rahega na ye tension",
                           "nlu_fallback", WAITING), PRODUCTS)
    assert ideation.action == "action_handoff_self_harm"


def test_a_reference_no_intent_read_goes_to_verification():
    move = decide(said("May sari-sari store ako, yung business loan ko LN-70213", "nlu_fallback", {},
                       loan_reference="LN-70213"), PRODUCTS)
    assert move.action == "action_verify"


def test_a_sibling_holding_the_phone_is_someone_else():
    assert read_signals("Hello, hii simu ni ya dada yangu Akinyi. Ameacha simu hapa")["someone_else"]
    assert read_signals("Mimi ni ndugu yake bana, si mgeni")["someone_else"]


def test_a_threat_to_the_contacts_and_the_employer_is_a_priority_complaint():
    said_ = read_signals("你们的催收员昨天打电话说要爆我通讯录，还说要给我们公司领导打电话，这合法吗？")
    assert said_["family_contact"] and "complain" in said_["evidence"]
    assert not read_signals("你们不会联系我家人吧？")["family_contact"]


def test_beside_a_complaint_a_question_about_the_debt_is_answered():
    move = decide(said("Are you going to report me to the credit bureau over this?", "ask_consequences",
                       COMPLAINT_CASE), PRODUCTS)
    assert move.action == "action_consequences"


def test_a_complaint_asked_for_in_so_many_words_is_recorded_at_once():
    """Asked "shall I record it as a complaint?" twice, borrowers went on to their plan: five complaints lost."""
    for text in ("This is the 4th text this week. I want that on record as a complaint", "我要投诉这个催收员",
                 "Gusto ko i-report yung tawag na yun, reklamo ko yan"):
        move = decide(said(text, "complain", {}), PRODUCTS)
        assert move.action == "action_complain" and move.detail == "asked", text
    suggested = decide(said("your agent was rude to me yesterday", "complain", {}), PRODUCTS)
    assert suggested.action in ("action_confirm_record", "action_clarify_record")
    again = decide(said("I want to file a complaint", "complain", COMPLAINT_CASE), PRODUCTS)
    assert again.action != "action_complain"  # the case is the complaint already


def test_beside_a_complaint_terms_no_intent_read_are_still_terms():
    text = "钱我会还的，我20号发工资，20号一次性还清可以吗"  # the money I'll repay; the 20th, all at once, ok?
    turn = Turn(intent="nlu_fallback", text=text, now=NOW, slots=COMPLAINT_CASE, signals=read_signals(text),
                entities={"date": ["2026-12-10", "2026-12-10"]}, intent_confidence=0.3)
    move = decide(turn, PRODUCTS)
    assert move.action == "action_offer" and [i.due.isoformat() for i in move.offer.schedule] == ["2026-12-10"]
