"""Request body limits, enforced before any handler reads a byte.

Every body this server accepts is a small JSON object or login form, so one
cap (MAX_BODY_BYTES) covers every route: aiohttp's client_max_size refuses a
longer body while it is read, and the middleware below refuses a declared
Content-Length over the cap before reading at all.

Compressed bodies are the gap in that cap. aiohttp < 3.10 (Rasa 3.6 pins
aiohttp < 3.10) inflates a gzip/deflate/br body inside its HTTP parser, as the
bytes arrive and before client_max_size is counted, so a few kilobytes of
"gzip bomb" become gigabytes in memory. Hence two layers: the server is started
with auto_decompress=False (SERVER_OPTIONS; the parser then hands over the raw
bytes, counted against the cap as sent), and any Content-Encoding other than
identity is refused with 415 here. No client of ours compresses requests.
"""
from __future__ import annotations

from aiohttp import web

from .jsonio import error

MAX_BODY_BYTES = 64 * 1024
# Keyword arguments for web.AppRunner / aiohttp.test_utils.TestServer.
SERVER_OPTIONS = {"auto_decompress": False}
IDENTITY = ("", "identity")


def content_encodings(request: web.Request) -> list[str]:
    """Every coding named in every Content-Encoding header, lower-cased."""
    found = []
    for header in request.headers.getall("Content-Encoding", []):
        found.extend(part.strip().lower() for part in header.split(","))
    return found


@web.middleware
async def body_limits(request: web.Request, handler):
    """415 for a compressed body, 413 for a declared length over the cap; then the handler."""
    if any(coding not in IDENTITY for coding in content_encodings(request)):
        return error(415, "compressed request bodies are not accepted; send the body uncompressed "
                          "(Content-Encoding: identity)")
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return error(413, f"request body is {length} bytes; at most {MAX_BODY_BYTES} are accepted")
    return await handler(request)
