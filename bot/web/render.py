"""The one Jinja2 environment that renders every HTML page of the web app.

Autoescaping is on for every template, so a borrower's name, a case reason or
a reply is always text, never markup, without anyone remembering to escape it.
StrictUndefined makes a misspelt or missing variable an error instead of a
silently empty part of a page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent / "templates"

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(name: str, **values: Any) -> str:
    """The template `name` (a file in templates/) filled with `values`, escaped."""
    return ENV.get_template(name).render(**values)
