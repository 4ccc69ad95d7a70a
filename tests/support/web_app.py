"""The web app in-process (aiohttp's TestServer on a private event loop), for
tests that send thousands of requests: no subprocess, same middlewares,
same server options as `python -m bot.web` (bodies.SERVER_OPTIONS).

Not a test module. `InProcessWeb.request` is synchronous so hypothesis tests
stay plain functions (pytest-asyncio is not installed).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import MetaData, select, text

from bot.records import agents, db
from bot.web.app import make_app
from bot.web.bodies import SERVER_OPTIONS
from bot.web.config import PRODUCTS_YML, WebConfig
from tests.support.web_server import prepare_database

ADMIN_TOKEN = "matrix-admin-token-0123456789abcdef"
PAYMENT_SECRET = "matrix-payment-secret-0123456789abcdef"
PASSWORD = "correct-horse-battery"
AGENTS = {"sam": "supervisor", "ann": "agent"}
LOAN = "LN-20931"


def web_config(database_url: str, rasa_url: str = "http://127.0.0.1:9") -> WebConfig:
    """Rasa at a closed port: routes that need it answer 502, which is still 'not a 500'."""
    return WebConfig(
        host="127.0.0.1", port=0, rasa_url=rasa_url, admin_token=ADMIN_TOKEN, database_url=database_url,
        products_path=PRODUCTS_YML, lender_name="Tawi Credit", assistant_name="Tawi Assistant",
        payment_webhook_secret=PAYMENT_SECRET,
    )


def demo_database(folder: Path) -> str:
    """A migrated SQLite database with the demo portfolio and one agent per role."""
    url = f"sqlite:///{folder / 'bot.db'}"
    prepare_database(url)
    engine = db.make_engine(url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            for name, role in AGENTS.items():
                agents.create_agent(session, name, PASSWORD, role=role)
    finally:
        engine.dispose()
    return url


def session_cookie(database_url: str, username: str) -> str:
    """A console session token for `username`, made the way a login makes it."""
    engine = db.make_engine(database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            return agents.create_session(session, agents.find_agent(session, username))
    finally:
        engine.dispose()


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes


class InProcessWeb:
    def __init__(self, config: WebConfig):
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.client: TestClient | None = None

    def __enter__(self) -> "InProcessWeb":
        async def start() -> TestClient:
            server = TestServer(make_app(self.config))
            await server.start_server(loop=self.loop, **SERVER_OPTIONS)
            client = TestClient(server)
            await client.start_server()
            return client

        self.client = self.loop.run_until_complete(start())
        return self

    def __exit__(self, *exc) -> None:
        self.loop.run_until_complete(self.client.close())
        self.loop.close()

    @property
    def origin(self) -> str:
        return str(self.client.make_url("/")).rstrip("/")

    def request(self, method: str, path: str, **kwargs) -> Answer:
        async def go() -> Answer:
            async with self.client.request(method, path, allow_redirects=False, **kwargs) as response:
                return Answer(response.status, dict(response.headers), await response.read())

        return self.loop.run_until_complete(go())


def table_digests(database_url: str) -> dict[str, str]:
    """SHA-256 of every row of every table, per table, in primary-key order."""
    engine = db.make_engine(database_url)
    try:
        meta = MetaData()
        meta.reflect(bind=engine)
        found = {}
        with engine.connect() as conn:
            for name, table in sorted(meta.tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                digest = hashlib.sha256()
                for row in conn.execute(select(table).order_by(*order)):
                    digest.update(repr(tuple(row)).encode("utf-8"))
                found[name] = digest.hexdigest()
        return found
    finally:
        engine.dispose()


def audit_kinds_after(database_url: str, seq: int) -> list[tuple[str, str]]:
    """(kind, payload source) of the audit entries after `seq`."""
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, payload FROM audit_entries WHERE seq > :s ORDER BY seq"),
                                {"s": seq}).all()
        return [(kind, (json.loads(payload) if isinstance(payload, str) else payload).get("source"))
                for kind, payload in rows]
    finally:
        engine.dispose()


def audit_digest(database_url: str, up_to: int) -> str:
    """SHA-256 of the audit entries up to seq `up_to` (what was there before)."""
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT * FROM audit_entries WHERE seq <= :s ORDER BY seq"), {"s": up_to})
            return hashlib.sha256("".join(repr(tuple(r)) for r in rows).encode("utf-8")).hexdigest()
    finally:
        engine.dispose()


def audit_head(database_url: str) -> int:
    engine = db.make_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT COALESCE(MAX(seq), 0) FROM audit_entries")).scalar_one()
    finally:
        engine.dispose()
