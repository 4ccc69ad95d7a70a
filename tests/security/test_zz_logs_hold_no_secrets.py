"""After the whole suite: no log file that any test stack wrote holds a demo
borrower's date of birth or phone number, a token, a signing secret or a JWT.

The stacks write their logs under pytest's base temporary directory (each
`bot.launch.start` var dir, nginx's access log), so this reads every *.log
there once everything else has run.
"""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests import conftest

pytestmark = pytest.mark.after_everything
JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]+")
TOKEN_PARAM = re.compile(r"(?i)(?:token|secret|password)=(?!\[secret\])[A-Za-z0-9_\-]{12,}")
BEARER = re.compile(r"(?i)bearer\s+(?!\[secret\])[A-Za-z0-9_\-.]{12,}")
TELEGRAM_TOKEN = re.compile(r"\b\d{6,12}:[A-Za-z0-9_-]{30,}")


def demo_personal_data() -> list[str]:
    found = []
    with open(conftest.DEMO, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            born = date.fromisoformat(row["date_of_birth"])
            found += [born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day} {born:%B %Y}",
                      row["phone"], row["phone"].lstrip("+")]
    return found


def log_files(base: Path) -> list[Path]:
    return sorted(p for p in base.rglob("*.log") if p.is_file())


def test_logs_hold_no_personal_data_or_secrets(tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    files = log_files(base)
    if not files:
        pytest.skip("no stack ran in this session (run the whole suite: make test)")
    literals = demo_personal_data() + [conftest.WIDGET_SECRET, conftest.PAYMENT_SECRET, conftest.ANCHOR_KEY]
    leaks = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        leaks += [(path.name, literal) for literal in literals if literal in text]
        for pattern in (JWT, TOKEN_PARAM, BEARER, TELEGRAM_TOKEN):
            leaks += [(path.name, match[:24] + "...") for match in pattern.findall(text)]
    assert not leaks, f"secrets or personal data in logs: {leaks[:20]}"
