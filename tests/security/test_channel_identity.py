"""Claiming a Telegram identity from a channel that cannot vouch for it.

The Telegram channel puts `telegram_user_id` (and `telegram_phone`, from the
sender's own contact card) into the message metadata, and a borrower named that
way needs only their date of birth. Through the REST channel or the web chat's
socket.io channel anyone can type those keys: an attacker who knows a demo
borrower's linked Telegram id or phone number sends them with the date of
birth alone. The bot must neither greet them as linked nor verify them.
"""
from __future__ import annotations

import queue
import secrets

import pytest
import socketio

from tests.conftest import Borrower, get_json
from tests.security.webchat import close

pytestmark = pytest.mark.e2e

# BR-1001 in data/demo/portfolio.csv: Wanjiku Kamau, phone +254712345678, Telegram
# account 5551234567 linked by the lender, born 17 April 1991, owes KES 13,860.00 on LN-20931.
TELEGRAM_ID, PHONE, RIGHT, OWED = 5551234567, "+254712345678", "17 April 1991", "13,860.00"
CLAIMS = [
    pytest.param({"telegram_user_id": TELEGRAM_ID}, id="linked-account"),
    pytest.param({"telegram_phone": PHONE}, id="shared-phone"),
    pytest.param({"telegram_user_id": TELEGRAM_ID, "telegram_phone": PHONE, "telegram_chat_id": TELEGRAM_ID},
                 id="everything"),
]
WAIT_S = 60


def slots(stack, sender: str) -> dict:
    status, tracker = get_json(stack.rasa_api(f"/conversations/{sender}/tracker"))
    assert status == 200, tracker
    return tracker["slots"]


def assert_not_vouched(stack, sender: str, greeting: str, replies: list[str]) -> None:
    assert "linked to your" not in greeting and "loan reference" in greeting.lower(), greeting
    for reply in replies:
        assert OWED not in reply and "you're verified" not in reply, reply
    state = slots(stack, sender)
    assert not state["verified"] and not state["candidate_borrower"] and not state["loan_id"], state


@pytest.mark.parametrize("claim", CLAIMS)
def test_telegram_metadata_through_rest_is_ignored(stack, claim):
    attacker = Borrower(stack, str(TELEGRAM_ID) + secrets.token_hex(2))
    greeting = attacker.say("hi", metadata=claim)
    replies = [attacker.say(f"born {RIGHT}", metadata=claim),
               attacker.say("/provide_identity", metadata=claim),  # what the Telegram contact button sends
               attacker.say(f"my date of birth is {RIGHT}", metadata=claim)]
    assert_not_vouched(stack, attacker.sender, greeting, replies)


class WebChat:
    """The web chat widget's side of Rasa's socket.io channel."""

    def __init__(self, stack):
        self.replies: queue.Queue = queue.Queue()
        self.confirmed: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put(data.get("text") or ""))
        self.client.on("session_confirm", self.confirmed.put)
        self.client.connect(stack.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=WAIT_S)
        self.client.emit("session_request", {})  # a new conversation: the server names it
        confirmed = self.confirmed.get(timeout=WAIT_S)
        # {"session_id", "session_secret"} (bot/web/rasa_socketio.py); Rasa's own channel sends the bare id.
        self.session_id = confirmed["session_id"] if isinstance(confirmed, dict) else confirmed

    def say(self, text: str, metadata: dict) -> str:
        """The first reply to `text` (its later ones are read from the tracker's slots)."""
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, "metadata": metadata})
        return self.replies.get(timeout=WAIT_S)

    def close(self) -> None:
        close(self.client)


@pytest.mark.parametrize("claim", CLAIMS)
def test_telegram_metadata_through_the_web_chat_is_ignored(stack, claim):
    chat = WebChat(stack)
    try:
        greeting = chat.say("hi", claim)
        replies = [chat.say(f"born {RIGHT}", claim), chat.say("/provide_identity", claim)]
    finally:
        chat.close()
    assert_not_vouched(stack, chat.session_id, greeting, replies)
