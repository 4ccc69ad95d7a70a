"""Local stand-ins for the message providers, so the real adapters are tested, never the cloud.

`FakeProviders` is one aiohttp app on 127.0.0.1 (in a background thread,
like fake_telegram.py) that speaks two APIs as bot/channels/providers uses
them:

- Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, HTTP basic auth
  (account SID, auth token), form To/From/Body[/StatusCallback]; 201 with
  `sid` and `status`, 401/400 with Twilio's error JSON (`code`, `message`);
- Africa's Talking: POST /version1/messaging, header `apiKey`, form
  username/to/message[/from]; 201 with `SMSMessageData.Recipients`, 401 in
  plain text like the real one.

Every accepted message is appended to `messages`. `fail_next("500")` or
`fail_next("drop")` spoils the next request; `refuse(number)` makes the
provider turn a number down the way it does a bad one. `twilio_status` and
`at_delivery_report` post a provider's callback (Twilio's signed) to a URL.

`smtp_server()` runs aiosmtpd's Controller on a free port and collects the
emails it receives (`refuse` addresses get 550).
"""
from __future__ import annotations

import asyncio
import secrets
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Iterator

import requests
from aiohttp import BasicAuth, web

from bot.channels.providers.twilio import compute_signature

SID = "AC" + "0" * 31 + "1"
TOKEN = "twilio-test-auth-token"
AT_USERNAME, AT_KEY = "sandbox", "at-test-api-key"


@dataclass
class FakeProviders:
    account_sid: str = SID
    auth_token: str = TOKEN
    at_username: str = AT_USERNAME
    at_api_key: str = AT_KEY
    messages: list[dict] = field(default_factory=list)  # {"provider", "id", "form"} in arrival order
    requests: int = 0  # every request that reached a route, failed or not
    port: int = 0
    _failures: list[str] = field(default_factory=list)
    _refused: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """TWILIO_BASE_URL and AT_BASE_URL for the adapters."""
        return f"http://127.0.0.1:{self.port}"

    # --- test side -----------------------------------------------------------

    def fail_next(self, mode: str = "500") -> None:
        """The next request gets a 500 ("500") or its connection closed without an answer ("drop")."""
        assert mode in ("500", "drop"), mode
        with self._lock:
            self._failures.append(mode)

    def refuse(self, number: str) -> None:
        with self._lock:
            self._refused.add(number)

    def sent(self, provider: str) -> list[dict]:
        with self._lock:
            return [m for m in self.messages if m["provider"] == provider]

    def twilio_status(self, message_sid: str, status: str, url: str, extra: dict | None = None,
                      auth_token: str | None = None) -> requests.Response:
        """POST a Twilio status callback for a message to url, signed like Twilio signs it."""
        [message] = [m for m in self.sent("twilio") if m["id"] == message_sid]
        form = {"MessageSid": message_sid, "SmsSid": message_sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": self.account_sid, "To": message["form"]["To"], "From": message["form"]["From"],
                "ApiVersion": "2010-04-01", **(extra or {})}
        signature = compute_signature(auth_token or self.auth_token, url, form)
        return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)

    def at_delivery_report(self, message_id: str, status: str, url: str) -> requests.Response:
        """POST an Africa's Talking delivery report for a message to url (unsigned, like the real one)."""
        [message] = [m for m in self.sent("africastalking") if m["id"] == message_id]
        form = {"id": message_id, "status": status, "phoneNumber": message["form"]["to"], "networkCode": "63902",
                "retryCount": "0"}
        if status in ("Failed", "Rejected"):
            form["failureReason"] = "UserInBlacklist"
        return requests.post(url, data=form, timeout=10)

    # --- server side ---------------------------------------------------------

    async def _spoiled(self, request: web.Request) -> web.Response | None:
        with self._lock:
            self.requests += 1
            mode = self._failures.pop(0) if self._failures else None
        if mode == "500":
            return web.Response(status=500, text="Internal Server Error")
        if mode == "drop":
            request.transport.abort()
            raise asyncio.CancelledError
        return None

    async def _twilio(self, request: web.Request) -> web.Response:
        spoiled = await self._spoiled(request)
        if spoiled is not None:
            return spoiled
        try:
            auth = BasicAuth.decode(request.headers.get("Authorization", ""))
        except ValueError:
            auth = None
        if (auth is None or request.match_info["sid"] != self.account_sid
                or (auth.login, auth.password) != (self.account_sid, self.auth_token)):
            return _twilio_error(401, 20003, "Authenticate")
        form = dict(await request.post())
        for name in ("To", "From", "Body"):
            if not form.get(name):
                return _twilio_error(400, 21604 if name == "To" else 21602, f"A '{name}' is required.")
        if form["To"].removeprefix("whatsapp:") in self._refused:
            return _twilio_error(400, 21211, f"The 'To' number {form['To']} is not a valid phone number.")
        sid = "SM" + secrets.token_hex(16)
        with self._lock:
            self.messages.append({"provider": "twilio", "id": sid, "form": form})
        return web.json_response({"sid": sid, "status": "queued", "account_sid": self.account_sid,
                                  "to": form["To"], "from": form["From"], "body": form["Body"],
                                  "error_code": None, "error_message": None}, status=201)

    async def _africastalking(self, request: web.Request) -> web.Response:
        spoiled = await self._spoiled(request)
        if spoiled is not None:
            return spoiled
        form = dict(await request.post())
        if request.headers.get("apiKey") != self.at_api_key or form.get("username") != self.at_username:
            return web.Response(status=401, text="The supplied authentication is invalid")
        if not form.get("to") or not form.get("message"):
            return web.json_response({"SMSMessageData": {"Message": "InvalidRequest", "Recipients": []}}, status=400)
        if form["to"] in self._refused:
            recipient = {"statusCode": 403, "number": form["to"], "status": "InvalidPhoneNumber", "cost": "0",
                         "messageId": "None"}
        else:
            recipient = {"statusCode": 101, "number": form["to"], "status": "Success", "cost": "KES 0.8000",
                         "messageId": "ATXid_" + secrets.token_hex(16)}
            with self._lock:
                self.messages.append({"provider": "africastalking", "id": recipient["messageId"], "form": form})
        sent = 1 if recipient["statusCode"] == 101 else 0
        return web.json_response({"SMSMessageData": {"Message": f"Sent to {sent}/1 Total Cost: {recipient['cost']}",
                                                     "Recipients": [recipient]}}, status=201)

    # --- lifecycle -----------------------------------------------------------

    def start(self) -> "FakeProviders":
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
            app.router.add_post("/version1/messaging", self._africastalking)
            self._runner = web.AppRunner(app)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True, name="fake-providers")
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake provider server did not start")
        return self

    def stop(self) -> None:
        if self._loop and self._runner:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def _twilio_error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"}, status=status)


# --- SMTP ------------------------------------------------------------------------

@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class _Collector:
    """aiosmtpd handler: keeps every message, refuses the addresses in `refused` with 550."""

    def __init__(self, refused: set[str]):
        self.received: list[Received] = []
        self.refused = refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ARG002
        if address in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ARG002
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(refused: set[str] | None = None) -> Iterator[tuple[int, list[Received]]]:
    """(port, received emails) of a real SMTP server on 127.0.0.1, for the duration of the block."""
    from aiosmtpd.controller import Controller

    handler = _Collector(refused or set())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler.received
    finally:
        controller.stop()
