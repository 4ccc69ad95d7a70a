"""A stand-in for Rasa's HTTP API (tracker GET, events POST) for the console API tests.

Not a test module. It keeps one tracker per conversation, records every
append with its query string, and runs in a background thread so the
subprocess web server can call it over real HTTP.
"""
from __future__ import annotations

import asyncio
import threading
import time

from aiohttp import web


class FakeRasa:
    def __init__(self):
        self.trackers: dict[str, dict] = {}
        self.appends: list[dict] = []  # {"conversation_id", "events", "query"}
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    def conversation(self, conversation_id: str, *, verified: bool, channel: str = "socketio") -> None:
        self.trackers[conversation_id] = {
            "sender_id": conversation_id, "paused": True, "latest_input_channel": channel,
            "slots": {"verified": verified, "handed_off": True},
            "events": [
                {"event": "action", "name": "action_listen", "timestamp": time.time()},
                {"event": "user", "text": "I want to talk to a person", "timestamp": time.time(),
                 "input_channel": channel},
                {"event": "bot", "text": "A person will answer you here.", "timestamp": time.time()},
                {"event": "pause", "timestamp": time.time()},
            ],
        }

    def appended_to(self, conversation_id: str) -> list[dict]:
        return [a for a in self.appends if a["conversation_id"] == conversation_id]

    async def _tracker(self, request: web.Request) -> web.Response:
        tracker = self.trackers.get(request.match_info["cid"])
        return web.json_response(tracker or {"sender_id": request.match_info["cid"], "events": [], "slots": {}})

    async def _append(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        events = await request.json()
        self.appends.append({"conversation_id": cid, "events": events, "query": dict(request.query)})
        tracker = self.trackers.setdefault(cid, {"sender_id": cid, "events": [], "slots": {}})
        for event in events:
            tracker["events"].append({**event, "timestamp": time.time()})
            if event["event"] == "resume":
                tracker["paused"] = False
            if event["event"] == "slot":
                tracker["slots"][event["name"]] = event["value"]
        return web.json_response(tracker)

    def start(self) -> "FakeRasa":
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_get("/conversations/{cid}/tracker", self._tracker)
            app.router.add_post("/conversations/{cid}/tracker/events", self._append)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(30)
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
