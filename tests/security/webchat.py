"""The web chat widget's side of the socket.io channel, with python-socketio's client.

Speaks the protocol of bot/web/static/widget.js: `session_request` with the
stored session id and secret, `session_confirm` with the id and secret the
server issued, `user_uttered` / `bot_uttered`.
"""
from __future__ import annotations

import queue
import threading
import time

import socketio

WAIT_S = 60
SETTLE_S = 2.0  # a reply may be several messages; it is complete after this much quiet


class WebChat:
    def __init__(self, rasa_url: str, session_id: str | None = None, secret: str | None = None):
        self.replies: queue.Queue = queue.Queue()
        confirmed: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put((data or {}).get("text") or ""))
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=WAIT_S)
        request = {key: value for key, value in (("session_id", session_id), ("session_secret", secret)) if value}
        self.client.emit("session_request", request)
        answer = confirmed.get(timeout=WAIT_S)
        self.session_id, self.secret = answer["session_id"], answer["session_secret"]

    def say(self, text: str, metadata: dict | None = None) -> str:
        """Everything the bot answers to `text` (empty when it answers nothing within WAIT_S)."""
        body = {"message": text, "session_id": self.session_id}
        if metadata is not None:
            body["metadata"] = metadata
        self.client.emit("user_uttered", body)
        try:
            texts = [self.replies.get(timeout=WAIT_S)]
        except queue.Empty:
            return ""
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < SETTLE_S:
            try:
                texts.append(self.replies.get(timeout=0.25))
                quiet_since = time.monotonic()
            except queue.Empty:
                pass
        return "\n".join(texts)

    def handled(self, text: str, session_id: str) -> None:
        """Send `text` into `session_id` and return once the server's handler ran (or refused it)."""
        self.client.call("user_uttered", {"message": text, "session_id": session_id}, timeout=WAIT_S)

    def close(self) -> None:
        close(self.client)


def close(client: socketio.Client) -> None:
    """Disconnects without waiting: over polling, disconnect() joins the open long-poll, which the
    server holds until its next ping (25 s); that wait was 30 s of each web chat test."""
    threading.Thread(target=client.disconnect, daemon=True).start()
