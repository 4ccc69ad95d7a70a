"""Borrower messages as a fuzzer writes them: nothing crashes, nothing changes an account.

Two layers, because the whole stack answers ~10 messages a second here:
- 10,000 generated messages through the trained model in process (every NLU
  component of ours: tokenizer, featurizer, classifiers, entity normaliser,
  self-harm net): each parse returns an intent and a ranking, never raises;
- 500 through the running servers' REST channel from fresh, unverified
  senders, longer than the 2,000-character cap included: every answer is a
  200 with a list of replies, and the borrowers' accounts (borrowers, loans,
  arrangements, payments) are exactly as before.
bench/results/security.md has the counts and times.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import create_engine, text

from tests.conftest import MODEL
from tests.security.http import call

pytestmark = pytest.mark.e2e
# The floor; FUZZ_EXAMPLES lowers it for a quick local look, never in make test.
IN_PROCESS = int(os.environ.get("FUZZ_EXAMPLES", "10000"))
ACCOUNT_TABLES = ("borrowers", "loans", "arrangements", "payments")
WORDS = ["pay", "LN-20931", "17 April 1991", "1991-04-17", "kesho", "tomorrow", "500", "KES", "elfu mbili",
         "3 months", "installments", "I want to die", "stop", "human", "/restart", "/back", "lawyer", "明天",
         "分三期", "दो हफ्ते", "bukas", "besok", "🙏", "\u202e", "\x00", "%s%s%n", "{{7*7}}", "<script>",
         "' OR 1=1 --", "../../etc/passwd", "+254712345678", "15th", "next friday", "2k", "1,000,000.00"]
# Chat-sized messages (up to 400 characters) for the in-process run: a parse of a
# 2,000-character message takes ~0.2 s here, so the long ones go through the
# servers below, and the 100 KB ones through tests/security/test_large_message.py.
messages = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=400),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(" ".join),
    st.builds(lambda w, n: w * n, st.sampled_from(["a", " ", "1", "I want to ", "die ", "ab1 ", "\n"]),
              st.integers(1, 400)).map(lambda s: s[:400]),
)
long_messages = st.one_of(
    st.text(min_size=401, max_size=2000),
    st.text(min_size=2001, max_size=6000),
    st.builds(lambda w, n: w * n, st.sampled_from(["a", "1 ", "I want to ", "\u202e"]), st.integers(500, 3000)),
)


LOOP = asyncio.new_event_loop()


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    return Agent.load(str(MODEL))


@settings(max_examples=IN_PROCESS, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(message=messages)
def test_ten_thousand_messages_parse_without_error(agent, message):
    from rasa.core.channels.channel import UserMessage

    parsed = LOOP.run_until_complete(agent.processor.parse_message(UserMessage(message)))
    assert parsed["intent"]["name"] and isinstance(parsed.get("entities"), list)
    assert parsed["intent_ranking"] == sorted(parsed["intent_ranking"], key=lambda r: -r["confidence"])


def account_digest(database_url: str) -> str:
    engine = create_engine(database_url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in ACCOUNT_TABLES:
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def test_fuzzed_messages_through_the_servers_change_no_account(stack):
    before = account_digest(stack.database_url)
    seen = {"count": 0}

    @settings(max_examples=500, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(message=st.one_of(messages, long_messages))
    def one(message):
        body = {"sender": f"fuzz-{secrets.token_hex(6)}", "message": message}
        status, _, raw = call("POST", f"{stack.rasa_url}/webhooks/rest/webhook", body=body, timeout=60)
        assert status == 200, (status, raw[:200])
        assert isinstance(json.loads(raw), list)
        seen["count"] += 1

    one()
    assert seen["count"] >= 500
    assert account_digest(stack.database_url) == before
