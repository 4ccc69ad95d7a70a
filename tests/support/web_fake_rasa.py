"""A stand-in Rasa server for widget tests: Rasa's own socket.io channel, no model.

`python tests/support/web_fake_rasa.py PORT` mounts our socket.io channel (Rasa's
SocketIOInput with the session-room fix, bot/web/rasa_socketio.py;
session_persistence on, as in credentials.yml) on a Sanic app, exactly as
`rasa run` does, but answers with a scripted echo instead of a trained model,
so the widget's protocol handling is tested against the real channel code in
about a second instead of training a model.

Replies (each tells the sender id, so tests can see which conversation it is):
  "buttons" -> "pick one [sender]" with buttons Yes (/affirm) and No (/deny)
  "silent"  -> no reply at all
  "two"     -> two messages
  otherwise -> "echo [sender]: <text>"
"""
from __future__ import annotations

import logging
import os
import sys
from types import SimpleNamespace

from sanic import Sanic
from sanic_cors import CORS

from rasa.core.channels.channel import UserMessage, register

from bot.web.rasa_socketio import PersistentSocketIOInput


async def reply(message: UserMessage) -> None:
    out, sender, text = message.output_channel, message.sender_id, message.text or ""
    if text == "buttons":
        await out.send_text_with_buttons(sender, f"pick one [{sender}]", [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"},
        ])
    elif text == "silent":
        return
    elif text == "two":
        await out.send_text_message(sender, f"first [{sender}]")
        await out.send_text_message(sender, f"second [{sender}]")
    else:
        await out.send_text_message(sender, f"echo [{sender}]: {text}")


def main(port: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    # As bot/launch.py passes one to Rasa: a restarted fake resumes the same sessions.
    os.environ.setdefault("CHANNEL_SECRET", "fake-rasa-channel-secret-for-widget-tests")
    app = Sanic("fake_rasa")
    # As `rasa run --cors "*"` (scripts/run.sh) does in rasa.server.configure_cors;
    # importing rasa.server itself would add ~5 s of start-up to every test run.
    app.config.CORS_AUTOMATIC_OPTIONS = True
    app.config.CORS_SUPPORTS_CREDENTIALS = True
    CORS(app, resources={r"/*": {"origins": "*"}}, automatic_options=True)
    channel = PersistentSocketIOInput(
        user_message_evt="user_uttered", bot_message_evt="bot_uttered", session_persistence=True,
    )
    # register() is what `rasa run` calls; it hands each message to app.ctx.agent.
    app.ctx.agent = SimpleNamespace(handle_message=reply)
    register([channel], app, route="/webhooks/")
    app.run(host="127.0.0.1", port=port, access_log=False, workers=1)


if __name__ == "__main__":
    main(int(sys.argv[1]))
