"""The console's calls to Rasa's HTTP API (rasa run --enable-api).

An agent's reply is appended to the conversation as a `bot` event with
`output_channel=latest&execute_side_effects=true`: Rasa then sends it through
the output channel of the borrower's last message (socket.io room of the
session, Telegram chat, ...), so it reaches the borrower in real time in the
channel they use. Without execute_side_effects Rasa only stores the event.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=15)


class RasaError(RuntimeError):
    """Rasa could not be reached or refused the call (the console answers 502)."""


class RasaClient:
    def __init__(self, base_url: str, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    def _url(self, conversation_id: str, suffix: str = "") -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker{suffix}"

    def _params(self, **extra: str) -> dict[str, str]:
        return {**extra, **({"token": self.token} if self.token else {})}

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        try:
            async with self._session.request(method, url, **kwargs) as response:
                if response.status >= 400:
                    raise RasaError(f"Rasa answered {response.status}: {(await response.text())[:300]}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaError(f"Rasa is unreachable at {self.base_url}: {exc}") from exc

    async def tracker(self, conversation_id: str) -> dict:
        return await self._call("GET", self._url(conversation_id), params=self._params())

    async def append(self, conversation_id: str, events: list[dict], deliver: bool = False) -> dict:
        """Append events; `deliver` sends any bot events to the borrower's channel."""
        params = self._params(output_channel="latest", execute_side_effects="true") if deliver else self._params()
        return await self._call("POST", self._url(conversation_id, "/events"), json=events, params=params)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def messages(tracker: dict, after: int = 0) -> list[dict]:
    """The user and bot texts of a tracker, each with its event index `i`."""
    out = []
    for i, event in enumerate(tracker.get("events") or []):
        if i < after or event.get("event") not in ("user", "bot") or not event.get("text"):
            continue
        agent = (event.get("metadata") or {}).get("agent") if event["event"] == "bot" else None
        out.append({
            "i": i,
            "from": "borrower" if event["event"] == "user" else ("agent" if agent else "bot"),
            "agent": agent,
            "text": event["text"],
            "at": event.get("timestamp"),
        })
    return out
