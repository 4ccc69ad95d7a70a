"""The borrower chat page and the widget's static files.

Only named files are served (no directory listing, no path joining from the
URL). socket.io.min.js comes from node_modules (`npm ci`), pinned in
package-lock.json, so the browser client matches what we tested.
"""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.config.ui_strings import languages, load_ui, pick_language, ui_strings

from .config import REPO_ROOT, WebConfig
from .jsonio import error
from .render import render

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
SOCKET_IO_JS = REPO_ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
STATIC_FILES = {
    "widget.js": STATIC_DIR / "widget.js",
    "widget.css": STATIC_DIR / "widget.css",
    "page.css": STATIC_DIR / "page.css",
    "console.js": STATIC_DIR / "console.js",
    "console.css": STATIC_DIR / "console.css",
    "socket.io.min.js": SOCKET_IO_JS,
}
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}


def socket_origins(rasa_url: str) -> str:
    """CSP connect-src for Rasa: the http(s) origin and its ws(s) twin."""
    parts = urlsplit(rasa_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    return f"{parts.scheme}://{parts.netloc} {ws}://{parts.netloc}"


def page_headers(config: WebConfig) -> dict[str, str]:
    csp = "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {socket_origins(config.rasa_url)}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


_TOKEN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def page_language(request: web.Request) -> str:
    """The language of a page (chat or console): `?lang=` if we have it, else the
    browser's Accept-Language, else English (bot/config/ui_strings.py)."""
    return pick_language(request.query.get("lang"), request.headers.get("Accept-Language"), languages())


def strings_json(strings: dict[str, str]) -> str:
    """Texts for the page's JavaScript, as JSON; the template puts it in a data- attribute and
    autoescaping makes it plain attribute text, which the browser hands back unchanged."""
    return json.dumps(strings, ensure_ascii=False, sort_keys=True)


def render_index(config: WebConfig, token: str | None = None, lang: str = "en") -> str:
    """The demo page; `?token=` plays the lender's app embedding a signed borrower token."""
    token = token if token and len(token) < 2048 and _TOKEN.fullmatch(token) else None
    texts = ui_strings(lang)
    return render("index.html", lang=lang, t=texts["page"], widget_strings=strings_json(texts["widget"]),
                  lender=config.lender_name, assistant=config.assistant_name,
                  rasa_url=config.rasa_url, auth_token=token)


async def index(request: web.Request) -> web.Response:
    config: WebConfig = request.app["config"]
    return web.Response(
        text=render_index(config, request.query.get("token"), page_language(request)), content_type="text/html",
        charset="utf-8", headers={**page_headers(config), "Content-Language": page_language(request),
                                  "Vary": "Accept-Language"},
    )


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = STATIC_FILES.get(name)
    if path is None:
        raise web.HTTPNotFound()
    if not path.exists():
        # Only socket.io.min.js can be missing: node_modules is not committed.
        return error(404, f"{name} is missing: run `npm ci` in {REPO_ROOT}")
    return web.FileResponse(path, headers={
        "Content-Type": CONTENT_TYPES[path.suffix] + "; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-cache",
        # Lenders embed widget.js from another origin; scripts need no CORS,
        # but this lets them add integrity/crossorigin attributes if they wish.
        "Access-Control-Allow-Origin": "*",
    })


async def healthz(request: web.Request) -> web.Response:
    """Liveness for `make run` and monitors: 503 when the database cannot be reached."""
    engine = request.app["engine"]

    def ping() -> None:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    try:
        await asyncio.to_thread(ping)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        return web.json_response({"status": "error", "database": str(exc).splitlines()[0]}, status=503)
    return web.json_response(
        {"status": "ok", "database": "ok", "socket_io_client": SOCKET_IO_JS.exists()}
    )


def add_routes(app: web.Application) -> None:
    load_ui()  # a broken config/ui.yml stops the server here, not at the first page view
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_get("/healthz", healthz)
