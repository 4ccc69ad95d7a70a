"""The Telegram channel: real python-telegram-bot code against a local fake Bot API server.

The unit tests need only the fake server. The end-to-end tests start the real
stack once for this module (Rasa server with the channel in its credentials,
action server, web server) and post Telegram-shaped updates to the channel's
webhook, then read what the bot sent from the fake server's call log. The
webhook answers only after the update was handled, so the log is complete
when the POST returns.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
import urllib.error
import urllib.request

import httpx
import pytest
import yaml
from telegram import Bot, Update

from bot.channels.buttons import MAX_CALLBACK_BYTES, PayloadTable, direct_callback_data, inline_keyboard
from bot.channels.identity import normalise_phone, own_contact_phone, telegram_metadata
from bot.channels.telegram_config import (SECRET_HEADER, SECTION, WEBHOOK_PATH, ConfigError, credentials_with_telegram,
                                          parse, polling_needed)
from bot.channels.texts import DEFAULTS
from bot.compliance import Decision, check_text
from tests.conftest import DEMO, MODEL, ROOT, free_port, get_json
from tests.support.fake_telegram import FakeTelegram

TOKEN = "123456789:TEST-token_abcdefghijklmnopqrstu"
SECRET = "s3cret-" + secrets.token_hex(8)
CHANNEL_SECRET = "telegram-test-channel-secret-" + secrets.token_hex(8)  # keys conversation ids (channels/secret.py)
KEY = CHANNEL_SECRET.encode()
LOAN, DOB_TEXT, PHONE = "LN-20931", "17 April 1991", "+254712345678"
_ids = itertools.count(int(time.time()) % 100000 * 1000)


# --- Telegram-shaped updates ---------------------------------------------------

def user(user_id: int) -> dict:
    return {"id": user_id, "is_bot": False, "first_name": "Borrower", "language_code": "en"}


def text_update(chat_id: int, text: str, chat_type: str = "private") -> dict:
    return {"update_id": next(_ids), "message": {
        "message_id": next(_ids), "date": int(time.time()), "chat": {"id": chat_id, "type": chat_type},
        "from": user(chat_id), "text": text}}


def contact_update(chat_id: int, phone: str, owner: int | None) -> dict:
    contact = {"phone_number": phone, "first_name": "Borrower"}
    if owner is not None:
        contact["user_id"] = owner
    return {"update_id": next(_ids), "message": {
        "message_id": next(_ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
        "from": user(chat_id), "contact": contact}}


def location_update(chat_id: int) -> dict:
    return {"update_id": next(_ids), "message": {
        "message_id": next(_ids), "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
        "from": user(chat_id), "location": {"latitude": -1.28, "longitude": 36.82}}}


def tap_update(chat_id: int, data: str, message_id: int = 77) -> dict:
    return {"update_id": next(_ids), "callback_query": {
        "id": f"cbq-{next(_ids)}", "from": user(chat_id), "chat_instance": "ci-1", "data": data,
        "message": {"message_id": message_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                    "text": "an offer"}}}


def new_chat() -> int:
    return 700_000_000 + next(_ids) % 100_000_000


def markup(call_params: dict) -> dict:
    return call_params.get("reply_markup") or {}


def inline_buttons(call_params: dict) -> list[dict]:
    return [b for row in markup(call_params).get("inline_keyboard", []) for b in row]


def as_update(data: dict) -> Update:
    return Update.de_json(data, Bot(TOKEN))


def conversation(chat_id: int) -> str:
    from bot.channels.telegram import conversation_id

    return conversation_id(chat_id, KEY)


# --- units: callback data, identity, configuration, texts ---------------------

def test_short_payloads_travel_as_they_are_and_long_ones_by_id():
    table = PayloadTable(size=2)
    assert table.callback_data("/affirm") == "/affirm"
    assert table.payload("/affirm") == "/affirm"
    long = '/promise_to_pay{"date": "2026-12-24", "amount": "13860.00", "note": "after my salary arrives"}'
    assert len(long.encode()) > MAX_CALLBACK_BYTES
    data = table.callback_data(long)
    assert data.startswith("#") and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert table.payload(data) == long
    assert table.payload(table.callback_data("#looks-like-an-id")) == "#looks-like-an-id"
    table.callback_data(long + "2")
    table.callback_data(long + "3")  # size 2: the oldest long payload is forgotten
    assert table.payload(data) is None
    assert table.payload("#never-issued") is None


def test_keyboard_rows_and_direct_payload_limits():
    keyboard = inline_keyboard([{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
                                {"title": "Later", "payload": "/busy_later"}], direct_callback_data)
    assert [[b.callback_data for b in row] for row in keyboard.inline_keyboard] == [["/affirm", "/deny"], ["/busy_later"]]
    with pytest.raises(ValueError):
        direct_callback_data("/x" * 40)
    with pytest.raises(ValueError):
        inline_keyboard([{"title": "", "payload": "/affirm"}], direct_callback_data)


def test_only_the_senders_own_contact_carries_a_phone():
    own = as_update(contact_update(42, "254712345678", owner=42))
    assert own_contact_phone(own) == PHONE
    assert telegram_metadata(own) == {"telegram_user_id": 42, "telegram_chat_id": 42, "telegram_phone": PHONE}
    for owner in (43, None):  # someone else's card, or a card without a Telegram account
        other = as_update(contact_update(42, "254712345678", owner=owner))
        assert own_contact_phone(other) is None
        assert telegram_metadata(other) == {"telegram_user_id": 42, "telegram_chat_id": 42}
    assert telegram_metadata(as_update(tap_update(42, "/affirm")))["telegram_user_id"] == 42
    assert normalise_phone("+254 712 345 678") == PHONE and normalise_phone("00254712345678") == PHONE
    assert normalise_phone("12") is None


def test_configuration_is_validated():
    good = {"access_token": TOKEN, "secret_token": SECRET}
    assert parse(good).webhook_url is None and parse(good).base_url == "https://api.telegram.org/bot"
    for bad in ({**good, "access_token": "nope"}, {**good, "secret_token": "has spaces"},
                {**good, "webhook_url": "http://example.com/hook"}, {**good, "base_url": "ftp://x"},
                {**good, "contact_prompt": "("}, {**good, "tokn": "typo"}, {"access_token": TOKEN}, None):
        with pytest.raises(ConfigError):
            parse(bad)


def test_launch_writes_the_section_only_with_a_token(tmp_path):
    base = ROOT / "credentials.yml"
    assert credentials_with_telegram(base, tmp_path / "c.yml", {}) == base and not polling_needed({})
    env = {"TELEGRAM_TOKEN": TOKEN}
    written = yaml.safe_load(credentials_with_telegram(base, tmp_path / "c.yml", env).read_text())
    assert written[SECTION] == {"access_token": "${TELEGRAM_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}"}
    assert set(yaml.safe_load(base.read_text())) < set(written)  # the other channels stay
    assert env["TELEGRAM_SECRET_TOKEN"] and polling_needed(env)
    assert not polling_needed({**env, "TELEGRAM_WEBHOOK_URL": "https://bot.example.com" + WEBHOOK_PATH})


def test_channel_texts_pass_the_compliance_language_check():
    for key, words in DEFAULTS.items():
        assert check_text(words).allowed, key


# --- proactive messages ------------------------------------------------------

@pytest.fixture(scope="module")
def fake():
    server = FakeTelegram(TOKEN).start()
    yield server
    server.stop()


def test_proactive_message_refused_by_compliance_sends_nothing(fake):
    chat = new_chat()
    refusal = Decision(False, "contact_hours", "outside the borrower's contact hours")
    checked = []
    decision = asyncio.run(_proactive(fake, chat, "Your payment is due.", lambda t: checked.append(t) or refusal))
    assert decision == refusal and checked == ["Your payment is due."]
    assert fake.sent("sendMessage", chat) == []


def test_proactive_message_checks_button_titles_and_sends(fake):
    chat = new_chat()
    buttons = [{"title": "Pay now", "payload": "/pay_in_full"}, {"title": "Talk to a person", "payload": "/request_human"}]
    checked = []
    decision = asyncio.run(_proactive(fake, chat, "A reminder about your loan.",
                                      lambda t: checked.append(t) or Decision(True, None, None), buttons))
    assert decision.allowed and checked == ["A reminder about your loan.", "Pay now", "Talk to a person"]
    [sent] = fake.sent("sendMessage", chat)
    assert sent["text"] == "A reminder about your loan."
    assert [b["callback_data"] for b in inline_buttons(sent)] == ["/pay_in_full", "/request_human"]
    refused_title = asyncio.run(_proactive(fake, chat, "Hello.", lambda t: Decision("Pay" not in t, "r", "x"), buttons))
    assert not refused_title.allowed and len(fake.sent("sendMessage", chat)) == 1


async def _proactive(fake, chat, text, check, buttons=None):
    from bot.channels.telegram import send_proactive
    return await send_proactive(TOKEN, chat, text, check=check, base_url=fake.base_url, buttons=buttons)


def test_channel_answers_itself_only_when_the_conversation_is_not_paused(fake):
    from bot.channels.telegram import TelegramInput

    channel = TelegramInput.from_credentials({"access_token": TOKEN, "secret_token": SECRET, "base_url": fake.base_url})
    forwarded = []

    async def on_new_message(message):
        forwarded.append(message)

    async def handle_all(paused: bool) -> tuple[int, list[str]]:
        async def is_paused(sender):
            return paused
        chat = new_chat()
        return chat, [await channel.handle(as_update(u), on_new_message, is_paused) for u in (
            tap_update(chat, "#expired-or-unknown"), location_update(chat),
            contact_update(chat, "254712345678", owner=chat + 1), text_update(-chat, "hi", chat_type="group"))]

    chat, outcomes = asyncio.run(handle_all(paused=False))
    assert outcomes == ["telegram_button_expired", "telegram_text_only", "telegram_contact_not_own", "ignored"]
    assert [m["text"] for m in fake.sent("sendMessage", chat)] == [
        DEFAULTS["telegram_button_expired"], DEFAULTS["telegram_text_only"], DEFAULTS["telegram_contact_not_own"]]
    chat, outcomes = asyncio.run(handle_all(paused=True))
    assert outcomes == ["silent", "silent", "silent", "ignored"] and fake.sent("sendMessage", chat) == []
    assert forwarded == []


# --- conversation ids and the channel guard -------------------------------------

def test_conversation_ids_carry_a_mac_only_this_server_can_make():
    from bot.channels.telegram import chat_id_of

    cid = conversation(5551234567)
    assert re.fullmatch(r"tg-5551234567-[0-9a-f]{16}", cid)
    assert chat_id_of(cid, KEY) == 5551234567 and chat_id_of(conversation(-42), KEY) == -42
    assert conversation(5551234567) == cid  # stable: the same chat keeps its conversation
    from bot.channels.telegram import conversation_id
    assert conversation_id(5551234567, b"another-channel-secret") != cid
    wrong_mac = cid[:-1] + ("0" if cid[-1] != "0" else "1")
    for forged in ("5551234567", "tg-5551234567", f"tg-5551234568-{cid[-16:]}", wrong_mac, cid.upper(), "web-" + cid):
        with pytest.raises(ValueError):
            chat_id_of(forged, KEY)


def test_the_output_side_sends_only_to_conversation_ids_it_issued(fake):
    from bot.channels.telegram import TelegramOutput, conversation_id

    chat = new_chat()
    output = TelegramOutput(Bot(TOKEN, base_url=fake.base_url), r"(?i)\bloan reference\b")

    async def send_all():
        await output.send_text_message(conversation_id(chat), "A reply from an agent.")
        for forged in (str(chat), f"tg-{chat}-0000000000000000"):
            with pytest.raises(ValueError):
                await output.send_text_message(forged, "Injected.")
            with pytest.raises(ValueError):
                await output.send_text_with_buttons(forged, "Injected.", [{"title": "Yes", "payload": "/affirm"}])

    asyncio.run(send_all())
    assert [m["text"] for m in fake.sent("sendMessage", chat)] == ["A reply from an agent."]


def test_long_messages_and_floods_get_a_polite_reply_not_the_dialogue(fake):
    from bot.channels.guard import Guard, Limits
    from bot.channels.telegram import TelegramInput, conversation_id
    from bot.dialogue.messages import render

    channel = TelegramInput(parse({"access_token": TOKEN, "secret_token": SECRET, "base_url": fake.base_url}),
                            guard=Guard(Limits(per_sender_per_minute=3)))
    forwarded = []

    async def on_new_message(message):
        forwarded.append(message)

    async def handle_all(chat: int, texts: list[str], paused: bool) -> list[str]:
        async def is_paused(sender):
            return paused
        return [await channel.handle(as_update(text_update(chat, t)), on_new_message, is_paused) for t in texts]

    chat = new_chat()
    outcomes = asyncio.run(handle_all(chat, ["x" * 2001, "x" * 2000, "hi", "one more"], paused=False))
    assert outcomes == ["message_too_long", "forwarded", "forwarded", "rate_limited"]
    assert [len(m.text) for m in forwarded] == [2000, 2]
    assert {(m.sender_id, m.input_channel) for m in forwarded} == {(conversation_id(chat), "telegram")}
    assert [m["text"] for m in fake.sent("sendMessage", chat)] == [render("message_too_long"), render("rate_limited")]
    paused_chat = new_chat()  # after a hand-off the bot says nothing, not even this
    assert asyncio.run(handle_all(paused_chat, ["x" * 2001], paused=True)) == ["silent"]
    assert fake.sent("sendMessage", paused_chat) == [] and len(forwarded) == 2


def test_proactive_message_to_a_conversation_id(fake):
    from bot.channels.telegram import conversation_id

    chat = new_chat()
    allow = lambda t: Decision(True, None, None)  # noqa: E731
    assert asyncio.run(_proactive(fake, conversation_id(chat), "A reminder about your loan.", allow)).allowed
    assert [m["text"] for m in fake.sent("sendMessage", chat)] == ["A reminder about your loan."]
    with pytest.raises(ValueError):
        asyncio.run(_proactive(fake, f"tg-{chat}-0000000000000000", "Injected.", allow))
    assert len(fake.sent("sendMessage", chat)) == 1


# --- the real stack with the channel -----------------------------------------

@pytest.fixture(scope="module")
def tg(fake, tmp_path_factory):
    """Rasa + actions + web, started like `make run`, with the Telegram channel pointed at the fake."""
    from bot.launch import start
    from bot.records.cli import main as records_cli

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (or run `make train`)")
    var = tmp_path_factory.mktemp("telegram_stack")
    database_url = f"sqlite:///{var / 'bot.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", database_url)
    assert records_cli(["import", str(DEMO)]) == 0
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    credentials[SECTION] = {"access_token": TOKEN, "secret_token": SECRET, "base_url": fake.base_url,
                            "webhook_url": "https://bot.example.invalid" + WEBHOOK_PATH}
    (var / "credentials.yml").write_text(yaml.safe_dump(credentials))
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    running = start(model=MODEL, database_url=database_url, tracker_url=f"sqlite:///{var / 'tracker.db'}",
                    var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports,
                    credentials=var / "credentials.yml", channel_secret=CHANNEL_SECRET)
    deadline = time.monotonic() + 60  # the channel registers its webhook just after the server starts
    while not fake.sent("setWebhook") and time.monotonic() < deadline:
        time.sleep(0.2)
    yield running
    running.stop()
    mp.undo()


def post_update(stack, update: dict, secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret is not None else {})}
    request = urllib.request.Request(stack.rasa_url + WEBHOOK_PATH, data=json.dumps(update).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Chat:
    """One borrower in a private Telegram chat with the bot."""

    def __init__(self, stack, fake):
        self.stack, self.fake, self.id = stack, fake, new_chat()

    def _send(self, update: dict) -> list[dict]:
        mark = self.fake.mark()
        assert post_update(self.stack, update) == 200
        return [c.params for c in self.fake.since(mark, "sendMessage") if int(c.params["chat_id"]) == self.id]

    def say(self, text: str) -> list[dict]:
        return self._send(text_update(self.id, text))

    def share_contact(self, phone: str, owner: int | None) -> list[dict]:
        return self._send(contact_update(self.id, phone, owner))

    def tap(self, data: str) -> list[dict]:
        return self._send(tap_update(self.id, data))

    def tracker(self) -> dict:
        status, tracker = get_json(self.stack.rasa_api(f"/conversations/{conversation(self.id)}/tracker"))
        assert status == 200
        return tracker

    def user_events(self) -> list[dict]:
        return [e for e in self.tracker()["events"] if e["event"] == "user"]


def texts(sent: list[dict]) -> str:
    return "\n".join(s["text"] for s in sent)


@pytest.mark.e2e
def test_webhook_is_registered_with_the_secret(tg, fake):
    [registered] = fake.sent("setWebhook")
    assert registered["url"] == "https://bot.example.invalid" + WEBHOOK_PATH
    assert registered["secret_token"] == SECRET
    assert set(registered["allowed_updates"]) == {"message", "callback_query"}


@pytest.mark.e2e
def test_updates_without_the_right_secret_are_refused(tg, fake):
    chat = new_chat()
    mark = fake.mark()
    assert post_update(tg, text_update(chat, "hi"), secret=None) == 403
    assert post_update(tg, text_update(chat, "hi"), secret="wrong") == 403
    assert post_update(tg, {"not": "an update"}) == 400
    assert fake.since(mark) == []
    status, tracker = get_json(tg.rasa_api(f"/conversations/{conversation(chat)}/tracker"))
    assert status == 200 and not [e for e in tracker["events"] if e["event"] == "user"]  # nothing reached the dialogue


@pytest.mark.e2e
def test_whole_conversation_with_buttons(tg, fake):
    chat = Chat(tg, fake)
    [greeting] = chat.say("hi")
    assert "loan reference" in greeting["text"].lower()
    [[contact_button]] = markup(greeting)["keyboard"]  # the identity question offers the contact button
    assert contact_button["request_contact"] is True
    reply = chat.say(f"my loan number is {LOAN} and my date of birth is {DOB_TEXT}")
    assert "13,860.00" in texts(reply)
    options = [b for s in reply for b in inline_buttons(s)]
    assert {b["callback_data"] for b in options} >= {"/pay_in_full", "/request_instalments"}
    offer = chat.say("can I split it into 3 payments")
    [offer_message] = [s for s in offer if inline_buttons(s)]
    yes = next(b for b in inline_buttons(offer_message) if b["text"].lower().startswith("yes"))
    assert len(yes["callback_data"].encode()) <= 64
    mark = fake.mark()
    tap = tap_update(chat.id, yes["callback_data"], message_id=4242)
    confirmation = chat._send(tap)
    assert "recorded" in texts(confirmation).lower()
    [answered] = fake.since(mark, "answerCallbackQuery")
    assert answered.params["callback_query_id"] == tap["callback_query"]["id"]
    [cleared] = fake.since(mark, "editMessageReplyMarkup")
    assert int(cleared.params["message_id"]) == 4242 and "reply_markup" not in cleared.params
    last = chat.user_events()[-1]
    assert last["text"] == "/affirm" and last["parse_data"]["intent"]["name"] == "affirm"
    assert last["metadata"]["telegram_user_id"] == chat.id and last["input_channel"] == "telegram"
    assert chat.say("thanks")  # plain text is still accepted after buttons


@pytest.mark.e2e
def test_redelivered_update_is_handled_once(tg, fake):
    chat = Chat(tg, fake)
    update = text_update(chat.id, "hello")
    assert chat._send(update)
    assert chat._send(update) == []
    assert len(chat.user_events()) == 1


@pytest.mark.e2e
def test_own_contact_becomes_an_identity_message_with_the_phone(tg, fake):
    chat = Chat(tg, fake)
    chat.say("hi")
    reply = chat.share_contact("254712345678", owner=chat.id)
    assert reply, "the dialogue answers a shared contact"
    last = chat.user_events()[-1]
    assert last["text"] == "/provide_identity"
    telegram_keys = {k: v for k, v in last["metadata"].items() if k.startswith("telegram_")}
    assert telegram_keys == {"telegram_user_id": chat.id, "telegram_chat_id": chat.id, "telegram_phone": PHONE}
    assert "13,860" not in texts(reply)  # a phone alone is not enough to talk about the debt


@pytest.mark.e2e
def test_own_phone_and_date_of_birth_verify(tg, fake):
    chat = Chat(tg, fake)
    chat.say("hi")
    reply = texts(chat.share_contact("254712345678", owner=chat.id))
    assert "date of birth" in reply.lower() and "13,860" not in reply
    assert "13,860" not in texts(chat.say("1 January 1970"))  # the wrong date verifies nobody
    reply = texts(chat.say(f"i was born {DOB_TEXT}"))
    assert "verified" in reply and "LN-20932" in reply  # the borrower's most overdue loan, the other named


@pytest.mark.e2e
def test_a_linked_telegram_account_needs_only_the_date_of_birth(tg, fake):
    chat = Chat(tg, fake)
    chat.id = 5551234567  # telegram_user_id of BR-1001 in the demo portfolio
    greeting = texts(chat.say("hello"))
    assert "linked" in greeting and "date of birth" in greeting and "13,860" not in greeting
    assert "verified" in texts(chat.say(DOB_TEXT))


@pytest.mark.e2e
def test_someone_elses_contact_is_refused(tg, fake):
    chat = Chat(tg, fake)
    chat.say("hi")
    before = len(chat.user_events())
    [refusal] = chat.share_contact("254712345678", owner=chat.id + 1)
    assert "not yours" in refusal["text"].lower()
    assert markup(refusal)["keyboard"][0][0]["request_contact"] is True
    assert len(chat.user_events()) == before  # nothing went to the dialogue


@pytest.mark.e2e
def test_after_a_handoff_nobody_goes_unanswered(tg, fake):
    """Issue 13: the conversation is not paused; the thin layer acknowledges and keeps the message for the case."""
    chat = Chat(tg, fake)
    chat.say("hi")
    handoff = chat.say("I want to talk to a person")
    assert "person" in texts(handoff).lower()
    assert chat.tracker()["paused"] is False
    first = texts(chat.say("hello? is anyone there?"))
    assert "added your message to your case" in first
    assert "added this to your case" in texts(chat.say("still waiting here"))
    assert [e["text"] for e in chat.user_events()][-2:] == ["hello? is anyone there?", "still waiting here"]


@pytest.mark.e2e
def test_group_chats_are_not_served(tg, fake):
    chat = new_chat()
    mark = fake.mark()
    assert post_update(tg, text_update(-chat, "hi", chat_type="group")) == 200
    assert fake.since(mark) == []


@pytest.mark.e2e
def test_polling_runner_forwards_updates_to_the_webhook(tg, fake):
    from bot.channels.telegram_polling import poll_once

    chat = Chat(tg, fake)
    update = text_update(chat.id, "hi")
    fake.queue_update(update)

    async def two_polls():
        async with Bot(TOKEN, base_url=fake.base_url) as bot, httpx.AsyncClient(timeout=120) as client:
            url = tg.rasa_url + WEBHOOK_PATH
            first = await poll_once(bot, client, url, SECRET, None, timeout=0)
            second = await poll_once(bot, client, url, SECRET, first, timeout=0)
            return first, second

    mark = fake.mark()
    first, second = asyncio.run(two_polls())
    assert first == second == update["update_id"] + 1  # confirmed once, not forwarded twice
    replies = [c for c in fake.since(mark, "sendMessage") if int(c.params["chat_id"]) == chat.id]
    assert len(replies) == 1 and "loan reference" in replies[0].params["text"].lower()
    assert [e["text"] for e in chat.user_events()] == ["hi"]


def test_polling_runner_needs_the_token_and_the_secret(monkeypatch, capsys):
    from bot.channels.telegram_polling import main

    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)
    assert main([]) == 2
    assert "TELEGRAM_TOKEN" in capsys.readouterr().err


@pytest.mark.e2e
def test_conversations_are_keyed_by_an_unguessable_id(tg, fake):
    chat = Chat(tg, fake)
    chat.say("hi")
    assert [e["text"] for e in chat.user_events()] == ["hi"]  # under tg-<chat id>-<mac>
    status, bare = get_json(tg.rasa_api(f"/conversations/{chat.id}/tracker"))
    assert status == 200 and not [e for e in bare["events"] if e["event"] == "user"]


@pytest.mark.e2e
def test_an_agents_reply_through_rasas_api_reaches_the_chat(tg, fake):
    chat = Chat(tg, fake)
    chat.say("hi")
    mark = fake.mark()
    url = tg.rasa_api(f"/conversations/{conversation(chat.id)}/tracker/events?output_channel=latest"
                      "&execute_side_effects=true")
    request = urllib.request.Request(url, data=json.dumps([{"event": "bot", "text": "Hello, this is Ann."}]).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    sent = [c.params for c in fake.since(mark, "sendMessage")]
    assert [(int(m["chat_id"]), m["text"]) for m in sent] == [(chat.id, "Hello, this is Ann.")]
