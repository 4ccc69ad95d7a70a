"""action_consequences answers the question asked (actions/debt.py).

"Can I be arrested?" gets "No." first, not the consequences paragraph; the
credit bureau paragraph is said once per conversation, later a short reference.
"""
from __future__ import annotations

from datetime import datetime, timezone

from actions import debt
from actions.turns import Reply
from bot.dialogue.messages import render
from bot.dialogue.turn import Turn
from bot.nlu.signals import read_signals

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
VERIFIED = {"verified": True, "loan_id": "LN-1", "loan": {"loan_id": "LN-1", "jurisdiction": "US"}}
BUREAU = "credit bureaus"


class Conversation:
    """The tracker as the action server sees it: every bot text sent so far is an event."""

    def __init__(self):
        self.sender_id = "conv-consequences"
        self.events: list[dict] = []

    def ask(self, text: str, emotion: str = "anxious") -> str:
        turn = Turn("ask_consequences", text, NOW, VERIFIED, emotion=emotion, emotion_confidence=0.99,
                    signals=read_signals(text))
        self.events.append({"event": "user", "text": text})
        reply = Reply(turn)
        assert debt.consequences(turn, reply, None, self) == []
        texts = [text for _, text, _ in reply.messages]
        self.events += [{"event": "bot", "text": text} for text in texts]
        assert len(texts) == 1
        return texts[0]


def test_can_i_be_arrested_gets_no_first():
    answer = Conversation().ask("can I be arrested?")
    assert answer.startswith("No. ")
    assert "cannot be arrested or jailed" in answer
    assert BUREAU not in answer
    assert answer == render("consequences_arrest")


def test_will_the_police_come_gets_the_same_answer():
    assert Conversation().ask("will the police come for me? please be honest").startswith("No. ")


def test_a_general_question_gets_the_paragraph_once_then_a_short_reference():
    chat = Conversation()
    first = chat.ask("what happens if I don't pay?")
    assert render("consequences") in first  # with the anxious opener before it
    second, third = chat.ask("and what else happens?"), chat.ask("so what will you do?", emotion="neutral")
    for later in (second, third):
        assert render("consequences") not in later
        assert render("consequences_again") in later
    assert sum(text.count(BUREAU) for text in (first, second, third)) == 3  # 1 paragraph + 2 short references
    assert all(len(later) < len(first) for later in (second, third))


def test_the_frightened_borrower_of_issue_13():
    """Three times "can I be arrested?" in one conversation: answered every time, never the paragraph."""
    chat = Conversation()
    answers = [chat.ask(text) for text in ("can I be arrested?", "but can I go to jail??", "will police come")]
    assert all(answer.startswith("No. ") for answer in answers)
    assert not any(render("consequences") in answer for answer in answers)


def test_the_paragraph_said_in_another_conversation_does_not_count():
    chat = Conversation()
    chat.ask("what happens if I don't pay?")
    assert render("consequences") in Conversation().ask("what happens if I don't pay?")


def test_a_second_question_is_answered_after_the_moves_own_text():
    """"ok the 15th. can they arrest me? and where do I pay?": the action's text, then both answers
    (bot/dialogue/second_answers.py decides them; actions/__init__.py says them after the handler)."""
    from actions import HANDLERS, answering_also
    from bot.dialogue.move import Move
    from bot.settings import lender

    state = {**VERIFIED["loan"], "total": "100.00", "currency": "USD"}
    turn = Turn("thank", "thanks. can they arrest me? and where do I pay?", NOW, {**VERIFIED, "loan": state},
                signals=read_signals("thanks. can they arrest me? and where do I pay?"))
    reply = Reply(turn, Move("action_thank", also=("arrest", "payment_methods")))
    answering_also(HANDLERS["action_thank"])(turn, reply, None, Conversation())
    keys = [key for key, _, _ in reply.messages]
    assert keys == ["thank", "also_arrest", "payment_methods"]
    assert "cannot be arrested or jailed" in reply.messages[1][1]
    assert reply.messages[2][1] == lender("en")["payment_instructions"].format(loan_id="LN-1")


def test_will_you_tell_my_family_gets_the_no_about_contacts():
    from bot.dialogue.move import Move

    text = "will you tell my family? they said my data will be spread to my contacts"
    turn = Turn("nlu_fallback", text, NOW, VERIFIED, signals=read_signals(text))
    reply = Reply(turn, Move("action_consequences", detail="contacts"))
    debt.consequences(turn, reply, None, Conversation())
    assert [key for key, _, _ in reply.messages] == ["contacts_never"]
    assert reply.messages[0][1].startswith("No. We never contact your family")
