"""The guarded REST channel on an in-process Sanic app, driven over ASGI.

ASGI lets a test choose the peer address a request comes from, which a real
socket on loopback cannot: that is how the per-IP limit and X-Forwarded-For
handling are tested without a network. Rasa's agent is replaced by a
recorder, so a test sees exactly which messages would have been parsed.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from types import SimpleNamespace

import httpx
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.guard import Guard, Limits
from bot.channels.rest import GuardedRestInput

URL = "/webhooks/rest/webhook"
# Sanic 21.12 rewrites handlers at start-up ("touch-up") once per process; a
# second app then fails to start unless it runs in test mode.
Sanic.test_mode = True


class InProcessRest:
    def __init__(self, limits: Limits | None = None, clock=None):
        self.guard = Guard(limits or Limits(), **({"clock": clock} if clock else {}))
        self.parsed: list[UserMessage] = []
        self.app = Sanic(f"rest_{uuid.uuid4().hex}")
        self.app.ctx.agent = SimpleNamespace(handle_message=self._parse)
        register([GuardedRestInput(self.guard)], self.app, route="/webhooks/")
        self.loop = asyncio.new_event_loop()
        self._inbox: asyncio.Queue = asyncio.Queue()
        self._outbox: asyncio.Queue = asyncio.Queue()
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        await self._inbox.put({"type": "lifespan.startup"})
        self._lifespan = asyncio.ensure_future(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._inbox.get, self._outbox.put))
        started = await self._outbox.get()
        assert started["type"] == "lifespan.startup.complete", started

    async def _parse(self, message: UserMessage) -> None:
        self.parsed.append(message)
        await message.output_channel.send_text_message(message.sender_id, "parsed")

    def post(self, body, peer: str = "127.0.0.1", headers: dict | None = None) -> tuple[int, object]:
        """(status, JSON answer) of one POST from `peer`; `body` bytes are sent as they are."""
        async def send():
            transport = httpx.ASGITransport(app=self.app, client=(peer, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as client:
                content = body if isinstance(body, bytes) else json.dumps(body).encode()
                return await client.post(URL, content=content,
                                         headers={"Content-Type": "application/json", **(headers or {})})

        reply = self.loop.run_until_complete(send())
        return reply.status_code, reply.json()

    def say(self, sender: str, text: str, peer: str = "127.0.0.1", headers: dict | None = None) -> tuple[int, object]:
        return self.post({"sender": sender, "message": text}, peer, headers)

    def close(self) -> None:
        async def stop():
            await self._inbox.put({"type": "lifespan.shutdown"})
            stopped = await asyncio.wait_for(self._outbox.get(), 10)
            assert stopped["type"] == "lifespan.shutdown.complete", stopped
            # Sanic 21.12 goes on to handle the lifespan scope as a request and fails; nothing is left to do.
            self._lifespan.cancel()
            await asyncio.gather(self._lifespan, return_exceptions=True)

        self.loop.run_until_complete(stop())
        self.loop.close()
