"""Rasa input/output channel for Telegram, on python-telegram-bot's `Bot`.

Telegram calls the webhook (`/webhooks/telegram/webhook`) with each update;
`python -m bot.channels.telegram_polling` posts the same updates there when
there is no public URL. Only private chats are served: a collections bot in
a group would tell a debt to everyone in it. Each update is handled before
the webhook answers, so one chat's messages are processed in order and the
replies are sent when the request returns (Telegram waits for it).

Conversations are keyed `tg-<chat_id>-<mac>` (`conversation_id`), not by the
bare chat id: chat ids are small guessable numbers, and whoever can name a
tracker can read or drive it through any other door. The output side takes
the chat id back out of the recipient id and refuses one whose MAC does not
verify. Before a message reaches the agent, bot/channels/guard.py answers an
over-long message or a flood from one chat (per chat only: every update
comes from Telegram's servers, so a per-IP limit would throttle everyone).

Configured in Rasa's credentials file (see bot/channels/telegram_config.py
and docs/telegram.md).
"""
from __future__ import annotations

import hmac
import logging
import re
from collections import OrderedDict
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import TelegramError

from bot.channels import secret
from bot.channels.buttons import PayloadTable, direct_callback_data, inline_keyboard
from bot.channels.guard import Guard, is_paused, reply_text
from bot.channels.identity import telegram_metadata
from bot.channels.telegram_config import (ALLOWED_UPDATES, DEFAULT_BASE_URL, SECRET_HEADER, ConfigError,
                                         TelegramConfig, parse)
from bot.channels.texts import text as channel_text
from bot.compliance import Decision

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CONTACT_INTENT = "/provide_identity"  # a shared own contact is an identity detail
MAX_TEXT = 4096  # Telegram's limit per message
PREFIX = "tg-"
MAC_CHARS = 16  # 64 bits: not guessable, short enough to read in a log or the console
_CONVERSATION = re.compile(r"^tg-(-?[0-9]{1,20})-([0-9a-f]{16})$")


def conversation_id(chat_id: int, key: bytes | None = None) -> str:
    """The tracker id of a chat: `tg-<chat_id>-<first 16 hex of HMAC(CHANNEL_SECRET, chat_id)>`."""
    return f"{PREFIX}{int(chat_id)}-{secret.mac(str(int(chat_id)), key)[:MAC_CHARS]}"


def chat_id_of(recipient_id: str, key: bytes | None = None) -> int:
    """The chat id inside a conversation id; ValueError when it is not one this server issued."""
    match = _CONVERSATION.match(str(recipient_id))
    if not match or not secret.verify(match.group(1), match.group(2), key, length=MAC_CHARS):
        raise ValueError(f"telegram: {recipient_id!r} is not a conversation id of this channel")
    return int(match.group(1))


class TelegramOutput(OutputChannel):
    """Sends the bot's messages to one Telegram bot's chats."""

    def __init__(self, bot: Bot, contact_prompt: str, payloads: PayloadTable | None = None):
        self.bot = bot
        self.payloads = payloads or PayloadTable()
        self.contact_prompt = re.compile(contact_prompt)
        self._contact_keyboard_open: set[int] = set()

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        chat_id = chat_id_of(recipient_id)
        custom = kwargs.get("custom") if isinstance(kwargs.get("custom"), dict) else {}
        markup = None
        if custom.get("request_contact") or self.contact_prompt.search(text):
            markup = contact_keyboard()
            self._contact_keyboard_open.add(chat_id)
        elif chat_id in self._contact_keyboard_open:
            markup = ReplyKeyboardRemove()
            self._contact_keyboard_open.discard(chat_id)
        await self.send(chat_id, text, markup)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict], **kwargs: Any) -> None:
        await self.send(chat_id_of(recipient_id), text, inline_keyboard(buttons, self.payloads.callback_data))

    async def send_custom_json(self, recipient_id: str, json_message: dict, **kwargs: Any) -> None:
        """Only `{"request_contact": true}` is understood (it went out with the text); the rest is dropped.

        Rasa's default would post the raw JSON to the borrower.
        """
        if set(json_message) - {"request_contact"}:
            log.warning("telegram: custom message not sent (unsupported keys %s)", sorted(json_message))

    async def send(self, chat_id: int, text: str, markup=None) -> None:
        """One text (split at Telegram's length limit); the keyboard goes with the last part."""
        parts = split_text(text)
        for i, part in enumerate(parts):
            try:
                await self.bot.send_message(chat_id=chat_id, text=part,
                                            reply_markup=markup if i == len(parts) - 1 else None)
            except TelegramError as error:  # e.g. the borrower blocked the bot: nothing to retry
                log.error("telegram: sendMessage to %s failed: %s", chat_id, error)
                return


def contact_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton(channel_text("telegram_contact_button"), request_contact=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    parts, rest = [], text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return parts + [rest]


class TelegramInput(InputChannel):
    """Receives Telegram updates on a webhook guarded by Telegram's secret-token header."""

    def __init__(self, config: TelegramConfig, guard: Guard | None = None):
        self.config = config
        self.guard = guard or Guard()
        self.bot = Bot(config.access_token, base_url=config.base_url)
        self.output = TelegramOutput(self.bot, config.contact_prompt)
        self._seen: OrderedDict[int, None] = OrderedDict()  # Telegram redelivers on timeouts

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> "TelegramInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
        try:
            return cls(parse(credentials))
        except ConfigError as error:
            raise ConfigError(f"credentials file: {error}") from None

    def get_output_channel(self) -> TelegramOutput:
        return self.output

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("telegram_webhook", __name__)

        @hook.listener("after_server_start")
        async def register_webhook(app, loop) -> None:  # noqa: ARG001
            if not self.config.webhook_url:
                log.info("telegram: no webhook_url; run `python -m bot.channels.telegram_polling` to receive updates")
                return
            try:
                await self.bot.set_webhook(self.config.webhook_url, secret_token=self.config.secret_token,
                                           allowed_updates=ALLOWED_UPDATES)
            except TelegramError as error:  # the other channels keep working; say it loudly
                log.error("telegram: setWebhook(%s) failed: %s", self.config.webhook_url, error)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.config.secret_token.encode()):
                return response.json({"error": "bad secret token"}, status=403)
            try:
                data = request.json
                update = Update.de_json(data, self.bot) if isinstance(data, dict) else None
            except Exception:  # noqa: BLE001 - any malformed body is the sender's error
                update = None
            if update is None or not isinstance(data.get("update_id"), int):
                return response.json({"error": "body is not a Telegram update"}, status=400)
            if self._first_time(update.update_id):
                try:
                    await self.handle(update, on_new_message, lambda sender: is_paused(request, sender))
                except Exception:  # noqa: BLE001 - a non-2xx makes Telegram resend it, over and over
                    log.exception("telegram: update %s failed", update.update_id)
            return response.json({"status": "ok"})

        return hook

    def _first_time(self, update_id: int) -> bool:
        if update_id in self._seen:
            return False
        self._seen[update_id] = None
        while len(self._seen) > 1000:
            self._seen.popitem(last=False)
        return True

    async def handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     is_paused: Callable[[str], Awaitable[bool]]) -> str:
        """Turn one update into a user message (or the channel's own short answer); returns what it did."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != "private" or user.is_bot:
            return "ignored"
        sender = conversation_id(chat.id)
        metadata = telegram_metadata(update)
        text = None
        if update.callback_query:
            query = update.callback_query
            await _quietly(self.bot.answer_callback_query(query.id))
            if query.message is not None:  # the choice is made: the keyboard must not be tapped again
                await _quietly(self.bot.edit_message_reply_markup(chat_id=chat.id, message_id=query.message.message_id))
            text = self.output.payloads.payload(query.data)
            refusal = "telegram_button_expired"
        elif update.message:
            message = update.message
            if message.contact is not None:
                text = CONTACT_INTENT if "telegram_phone" in metadata else None
                refusal = "telegram_contact_not_own"
            else:
                text = message.text
                refusal = "telegram_text_only"
        else:
            return "ignored"
        refused = self.guard.check(text or "", sender)  # every update counts towards the chat's rate
        if refused or not text:
            if await is_paused(sender):  # after a hand-off the bot says nothing at all
                return "silent"
            if refused:
                await self.output.send(chat.id, reply_text(refused))
                return refused
            keyboard = contact_keyboard() if refusal == "telegram_contact_not_own" else None
            await self.output.send(chat.id, channel_text(refusal), keyboard)
            return refusal
        await on_new_message(UserMessage(text, self.output, sender, input_channel=CHANNEL,
                                         message_id=f"telegram-{update.update_id}", metadata=metadata))
        return "forwarded"


async def _quietly(call: Awaitable) -> None:
    try:
        await call
    except TelegramError as error:
        log.warning("telegram: %s", error)



async def send_proactive(bot_token: str, chat_id: int | str, text: str, *, check: Callable[[str], Decision],
                         base_url: str | None = None, buttons: list[dict] | None = None) -> Decision:
    """Send a message the borrower did not ask for (campaigns, agents), only if compliance allows it.

    `chat_id` is Telegram's chat id, or a conversation id (`tg-...`, verified).

    `check` is the compliance check for this borrower and moment (e.g. a
    closure over bot.compliance.check_outbound); it sees the text and every
    button title. When any is refused, nothing is sent and that Decision is
    returned. Button payloads must fit callback_data (64 bytes): this process
    keeps no table the Rasa server could resolve.
    """
    if isinstance(chat_id, str) and chat_id.startswith(PREFIX):
        chat_id = chat_id_of(chat_id)  # a conversation id from the records
    for words in [text, *(str(b.get("title", "")) for b in buttons or [])]:
        decision = check(words)
        if not decision.allowed:
            return decision
    markup = inline_keyboard(buttons, direct_callback_data) if buttons else None
    async with Bot(bot_token, base_url=base_url or DEFAULT_BASE_URL) as bot:
        parts = split_text(text)
        for i, part in enumerate(parts):
            await bot.send_message(chat_id=int(chat_id), text=part, reply_markup=markup if i == len(parts) - 1 else None)
    return Decision(True, None, None)
