"""A local stand-in for the Telegram Bot API, so the real python-telegram-bot code is tested.

python-telegram-bot posts form fields (complex values JSON-encoded) to
`{base_url}{token}/{method}`; this server answers the few methods the channel
uses, records every call in order, and serves queued updates to getUpdates.
It runs an aiohttp app on 127.0.0.1 in a background thread so that both the
test process and the Rasa server (another process) can reach it.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 900000001
BOT_USERNAME = "collections_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    token: str
    calls: list[Call] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """What the channel's `base_url` credential should be (the token is appended by the library)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- test side -----------------------------------------------------------

    def sent(self, method: str, chat_id: int | None = None) -> list[dict]:
        with self._lock:
            return [c.params for c in self.calls
                    if c.method == method and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]

    def mark(self) -> int:
        """A position in the call log; `since(mark)` returns what came after it."""
        with self._lock:
            return len(self.calls)

    def since(self, mark: int, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls[mark:] if method is None or c.method == method]

    def queue_update(self, update: dict) -> None:
        with self._lock:
            self.updates.append(update)

    # --- server side ---------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params = await _params(request)
        with self._lock:
            self.calls.append(Call(method, params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    async def _api_getMe(self, params: dict) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Collections", "username": BOT_USERNAME,
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "from": {"id": BOT_ID, "is_bot": True,
                                                                  "first_name": "Collections"},
                "text": params["text"]}

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        return True

    async def _api_editMessageReplyMarkup(self, params: dict) -> dict:
        return {"message_id": int(params["message_id"]), "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": "edited"}

    async def _api_setWebhook(self, params: dict) -> bool:
        return True

    async def _api_deleteWebhook(self, params: dict) -> bool:
        return True

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset", 0))
        with self._lock:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return list(self.updates)

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> "FakeTelegram":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_route("POST", "/bot{token}/{method}", self._handle)
            app.router.add_route("GET", "/bot{token}/{method}", self._handle)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name="fake-telegram")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Telegram server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


async def _params(request: web.Request) -> dict[str, Any]:
    """Form fields as the library sends them, with JSON-encoded values (reply_markup, ...) decoded."""
    if request.content_type == "application/json":
        raw = await request.json()
    else:
        raw = dict(await request.post())
    params = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        params[key] = value
    return params
