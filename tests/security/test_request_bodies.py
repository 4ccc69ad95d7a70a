"""Request bodies are capped before they are decompressed or parsed (issue 11, point 7).

aiohttp 3.9.5 (the newest Rasa 3.6 allows) inflates a compressed request body
in its HTTP parser, before client_max_size is counted: a gzip bomb under the
64 KB cap becomes 60 MB in the server, a streamed one gigabytes. The web
server runs without request decompression and refuses any Content-Encoding
(415) and any declared length over the cap (413) in a middleware; a streamed
(chunked) body over the cap is refused while it is read (413).

Routes come from the app's route table, so a new POST route is covered.
"""
from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from pathlib import Path

import httpx
import pytest
from aiohttp import web as aioweb
from aiohttp.test_utils import TestClient, TestServer

from bot.web.bodies import MAX_BODY_BYTES, SERVER_OPTIONS
from tests.support import web_app
from tests.support.web_server import running_web_server

# 60 MB of zeros gzip to ~60 KB: under the cap, far over it once inflated.
INFLATED = 60 * 1024 * 1024
SAMPLE_PARAMS = {"loan_id": web_app.LOAN, "case_id": "1", "name": "widget.js"}
ENCODINGS = ["gzip", "deflate", "br", "GZIP", "gzip, identity", "identity, gzip", "x-custom"]


def gzip_bomb(size: int = INFLATED) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = gzip_bomb()
    assert len(data) < MAX_BODY_BYTES  # it passes the length check: only the encoding check stops it
    return data


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    return web_app.demo_database(tmp_path_factory.mktemp("bodies"))


@pytest.fixture(scope="module")
def web(database_url):
    with web_app.InProcessWeb(web_app.web_config(database_url)) as running:
        yield running


def post_routes() -> list[str]:
    app = web_app.make_app(web_app.web_config("sqlite://"))
    paths = sorted({r.resource.canonical for r in app.router.routes() if r.method == "POST"})
    return [p.format(**SAMPLE_PARAMS) for p in paths]


def credentials(web, database_url: str, path: str) -> dict[str, str]:
    """What a legitimate caller of `path` sends, so a refusal is about the body only."""
    if path.startswith("/console/"):
        cookie = web_app.session_cookie(database_url, "sam")
        return {"Origin": web.origin, "X-Console-Request": "1", "Cookie": f"console_session={cookie}"}
    return {"Authorization": f"Bearer {web_app.ADMIN_TOKEN}"}


def test_the_server_hands_over_compressed_bodies_uninflated(bomb):
    """The parser option itself: a handler reading a gzip body gets the bytes as sent."""
    async def count(request: aioweb.Request) -> aioweb.Response:
        return aioweb.json_response({"read": len(await request.read())})

    async def go() -> dict:
        app = aioweb.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post("/count", count)
        server = TestServer(app)
        await server.start_server(**SERVER_OPTIONS)
        async with TestClient(server) as client:
            response = await client.post("/count", data=bomb, headers={"Content-Encoding": "gzip"})
            return await response.json()

    assert asyncio.run(go()) == {"read": len(bomb)}


@pytest.mark.parametrize("path", post_routes())
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_compressed_bodies_are_refused_on_every_post_route(web, database_url, bomb, path, encoding):
    headers = {**credentials(web, database_url, path), "Content-Type": "application/json",
               "Content-Encoding": encoding}
    answer = web.request("POST", path, data=bomb, headers=headers)
    assert answer.status == 415, answer.body[:300]
    assert "uncompressed" in json.loads(answer.body)["error"]


def test_identity_encoding_is_accepted(web, database_url):
    body = json.dumps({"text": "Your payment is due on Friday.", "jurisdiction": "KE"})
    answer = web.request("POST", "/api/compliance/check", data=body, headers={
        **credentials(web, database_url, "/api/compliance/check"), "Content-Type": "application/json",
        "Content-Encoding": "identity"})
    assert answer.status == 200, answer.body


@pytest.mark.parametrize("path", post_routes())
def test_a_declared_length_over_the_cap_is_refused_before_reading(web, database_url, path):
    body = b"{" + b" " * MAX_BODY_BYTES + b"}"
    answer = web.request("POST", path, data=body, headers={
        **credentials(web, database_url, path), "Content-Type": "application/json"})
    assert answer.status == 413, answer.body[:300]


def test_a_declared_length_over_the_cap_is_refused_on_pages_too(web):
    answer = web.request("GET", "/", data=b"x" * (MAX_BODY_BYTES + 1))
    assert answer.status == 413


@pytest.mark.parametrize("path,body", [
    ("/api/compliance/check", None),
    ("/api/payments", None),
    ("/console/login", "form"),
    ("/console/api/cases/1/reply", None),
    ("/console/api/cases/1/arrangement", None),
])
def test_a_streamed_body_over_the_cap_is_refused_while_read(web, database_url, path, body):
    """Chunked: no Content-Length to check up front; client_max_size stops the read."""
    async def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 8):
            yield b"a" * 1024

    content_type = "application/x-www-form-urlencoded" if body == "form" else "application/json"
    answer = web.request("POST", path, data=chunks(), headers={
        **credentials(web, database_url, path), "Content-Type": content_type})
    assert answer.status == 413, answer.body[:300]


# ---- the real server process ---------------------------------------------------------

def server_pid(port: int) -> int:
    """The `python -m bot.web` process listening on `port` (Linux /proc)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"bot.web" in cmdline and f"WEB_PORT={port}".encode() in environ:
            return int(proc.name)
    raise LookupError(f"no bot.web process for port {port}")


def peak_memory_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise LookupError("VmHWM missing")


def test_the_real_server_survives_gzip_bombs(database_url, bomb, tmp_path):
    """Against `python -m bot.web` as started in production: a bomb under the cap
    and a streamed 1 GB one leave the server's peak memory where it was."""
    big = zlib.compress(b"\0" * (1024 * 1024 * 1024), 9)  # ~1 MB of deflate, 1 GB inflated
    env = {"DATABASE_URL": database_url, "ADMIN_TOKEN": web_app.ADMIN_TOKEN,
           "PAYMENT_WEBHOOK_SECRET": web_app.PAYMENT_SECRET}
    with running_web_server(env, tmp_path / "web.log") as base:
        pid = server_pid(int(base.rsplit(":", 1)[1]))
        before = peak_memory_kb(pid)
        auth = {"Authorization": f"Bearer {web_app.ADMIN_TOKEN}", "Content-Type": "application/json"}
        with httpx.Client(base_url=base, timeout=60) as client:
            response = client.post("/api/compliance/check", content=bomb, headers={**auth, "Content-Encoding": "gzip"})
            assert response.status_code == 415

            def stream():
                for start in range(0, len(big), 16 * 1024):
                    yield big[start:start + 16 * 1024]

            for path in ("/api/compliance/check", "/api/payments", "/console/login"):
                response = client.post(path, content=stream(), headers={**auth, "Content-Encoding": "deflate"})
                assert response.status_code == 415
            assert client.get("/healthz").json()["status"] == "ok"
        grown_mb = (peak_memory_kb(pid) - before) / 1024
    assert grown_mb < 30, f"the server's peak memory grew by {grown_mb:.0f} MB"
