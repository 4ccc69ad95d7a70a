"""What every borrower channel checks before a message reaches Rasa's agent.

One large message or a flood of small ones must not stall the Rasa server for
everyone else, so a channel asks `Guard.check` first and, when it answers with
a refusal, sends that polite text straight back instead of parsing anything:

- a message over `message_chars` characters (default 2,000) -> `message_too_long`;
- more than `per_sender_per_minute` messages (default 30) from one
  conversation, or `per_ip_per_minute` (default 60) from one client address,
  within any 60 seconds -> `rate_limited`.

It also drops `telegram_*` metadata keys for the channels that cannot vouch
for them (`strip_channel_metadata`).

The windows are in-process sliding windows: with several Rasa servers behind
a load balancer each server keeps its own, so a borrower spread over N
servers gets up to N times the limit (the reverse proxy's per-IP rates in
deploy/nginx/zones.conf are the shared ceiling).

Limits come from config/bot.yml `limits:` (bot.config's typed `ChannelLimits`,
which holds the defaults and bounds); LIMITS_MESSAGE_CHARS,
LIMITS_PER_SENDER_PER_MINUTE and LIMITS_PER_IP_PER_MINUTE override them,
checked by the same model.
"""
from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections import OrderedDict, deque
from typing import Any, Callable, Mapping

from bot.config.bot_file import BotFile, ChannelLimits
from bot.config.overrides import overridden
from bot.dialogue.messages import render
from bot.settings import config

TOO_LONG = "message_too_long"
RATE_LIMITED = "rate_limited"
CHANNEL_ONLY_METADATA = ("telegram_", "sms_", "email_")  # only those channels may vouch for these keys
WINDOW_SECONDS = 60.0
# The typed `limits:` section of config/bot.yml, under the name the channels use.
Limits = ChannelLimits
ENV_OVERRIDES = {field: f"LIMITS_{field.upper()}" for field in ChannelLimits.__fields__}


def configured_limits(environ: Mapping[str, str] = os.environ, bot: BotFile | None = None) -> Limits:
    """config/bot.yml `limits:` (or `bot`'s) with the LIMITS_* variables over it; ConfigError names
    the key or variable that is wrong."""
    return overridden((bot or config()).limits, ENV_OVERRIDES, environ)


class SlidingWindow:
    """At most `limit` events per key in any `window` seconds.

    Keeps the last `limit` timestamps of each key; keys idle for a whole window
    are forgotten, and at most `max_keys` are kept (the least recently seen go
    first), so a flood of made-up sender ids cannot grow memory without bound.
    """

    def __init__(self, limit: int, window: float = WINDOW_SECONDS, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 50_000):
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: OrderedDict[str, deque] = OrderedDict()

    def allows(self, key: str, now: float | None = None) -> bool:
        """Whether one more event for key fits (nothing is recorded)."""
        now = self.clock() if now is None else now
        events = self._events.get(key)
        return events is None or len(events) < self.limit or now - events[0] >= self.window

    def record(self, key: str, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        events = self._events.pop(key, None)
        if events is None:
            events = deque(maxlen=self.limit)
        events.append(now)
        self._events[key] = events  # most recently seen last
        self._forget(now)

    def _forget(self, now: float) -> None:
        while self._events:
            oldest_key, oldest = next(iter(self._events.items()))
            if len(self._events) <= self.max_keys and now - oldest[-1] < self.window:
                return
            del self._events[oldest_key]

    def __len__(self) -> int:
        return len(self._events)


# Loopback and the private ranges (RFC 1918, IPv6 unique local): where the
# operator's own integrations live. Not ipaddress's `is_private`, which also
# counts documentation, benchmarking and reserved ranges.
TRUSTED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7"))


def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_network(ip: str | None) -> bool:
    """Whether ip is loopback or on a private network."""
    address = _address(ip)
    return address is not None and any(address in network for network in TRUSTED_NETWORKS)


def client_ip(peer: str | None, forwarded_for: str | None) -> str | None:
    """The borrower's address: the peer's, or the first X-Forwarded-For hop when
    the peer is the reverse proxy on loopback (deploy/nginx overwrites that
    header with the address it saw, never appends). From any other peer the
    header is the client's own claim and is ignored."""
    address = _address(peer)
    if address is None:
        return None
    if forwarded_for and address.is_loopback:
        hop = _address(forwarded_for.split(",")[0])
        if hop is not None:
            return str(hop)
    return str(address)


class Guard:
    """The length check and both rate limits of one channel."""

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.limits = limits or configured_limits()
        self.senders = SlidingWindow(self.limits.per_sender_per_minute, clock=clock)
        self.ips = SlidingWindow(self.limits.per_ip_per_minute, clock=clock)
        self.clock = clock

    def check(self, text: Any, sender: str, ip: str | None = None) -> str | None:
        """None when the message may be parsed, else the messages.yml key of the reply.

        Every message counts towards the rates, refused long ones included;
        `ip=None` skips the per-IP limit (a channel whose peer is not the
        borrower, such as Telegram's servers, or a trusted network).
        """
        now = self.clock()
        if not self.senders.allows(sender, now) or (ip is not None and not self.ips.allows(ip, now)):
            return RATE_LIMITED
        self.senders.record(sender, now)
        if ip is not None:
            self.ips.record(ip, now)
        if isinstance(text, str) and len(text) > self.limits.message_chars:
            return TOO_LONG
        return None


def strip_channel_metadata(metadata: Mapping | None) -> dict[str, Any]:
    """Metadata without the keys only another channel may set (the Telegram identity):
    through REST or the web chat anyone could type them."""
    return {k: v for k, v in (metadata or {}).items()
            if not (isinstance(k, str) and k.lower().startswith(CHANNEL_ONLY_METADATA))}


def reply_text(key: str) -> str:
    """The polite text for a refusal key (config/messages.yml)."""
    return render(key)


async def is_paused(request, sender: str) -> bool:
    """Whether a channel's conversation is handed off (Rasa's tracker, from the request's Sanic
    app); unknown counts as paused, because silence is the safe side."""
    try:
        tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).exception("could not read the tracker of %s", sender)
        return True
    return bool(tracker and tracker.is_paused())
