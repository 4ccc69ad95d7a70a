"""A page as a browser reads it, for the web tests (not a test module)."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Tags with their attributes, the raw text pieces and the visible text (spaces collapsed)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.raw: list[str] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.raw.append(data)
        if data.strip():
            self.text.append(" ".join(data.split()))

    def first(self, tag: str) -> dict:
        return next(attrs for name, attrs in self.tags if name == tag)
