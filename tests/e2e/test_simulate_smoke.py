"""`make simulate` in small: 6 loans over 4 simulated days through the real stack (about 2 minutes).

A subprocess, as the operator runs it: bench/simulate.py sets the clock file,
the fake Twilio and the database in its own environment.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import MODEL, ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.model]
KEYS = {"loans", "days", "messages_sent", "collected_share", "promises_kept_share", "handoffs", "violations", "seconds"}


def test_a_small_simulation_prints_its_json_line_last_with_no_violation(tmp_path):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (or run `make train`)")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "bench/simulate.py", "--loans", "6", "--days", "4", "--seed", "3",
                           "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= set(line)
    assert (line["loans"], line["days"], line["violations"]) == (6, 4, 0)
    assert line["messages_sent"] >= 1, "no campaign SMS went out"
    assert line["conversations"] >= 1 and line["bot_replies_sent"] >= 1, "no borrower reached the bot by SMS"
    assert (tmp_path / "simulate.md").read_text(encoding="utf-8").startswith("# The whole life of a portfolio")
    assert (tmp_path / "simulate.png").stat().st_size > 1000
