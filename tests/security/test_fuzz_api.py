"""Fuzzing every body-reading POST of the web server (hypothesis, 10,000 inputs each).

Each generated example is one request (body, content type, content
encoding) sent to every endpoint of endpoints(), so each endpoint gets 10,000
generated inputs while hypothesis pays for generating them once (drawing an
example costs about as much as answering it). A body is a JSON object with
one endpoint's fields, all endpoints' fields, or a stray one, each value
plausible or of a wrong type; or any JSON value, arbitrary bytes, or one of
NASTY_TEXTS (deep nesting, 5000-digit numbers, lone surrogates, NaN,
duplicate keys...). The login form gets the same fields urlencoded as often
as not.

Checks: every answer is below 500 (a JSON endpoint's refusal is JSON), and
afterwards every table is exactly as before except the audit entries an
endpoint legitimately appends, listed in ALLOWED_AUDIT. Sent in-process to
the real aiohttp app (same middlewares and server options as
`python -m bot.web`). Not fuzzed: the console's take / hand-back / close,
which read no body (their authorisation: test_authorization_matrix.py).
Counts and time: bench/results/security.md, "fuzz counts and time".
"""
from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.parse
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import bcrypt
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.records import agents, db, handoffs
from bot.records.queries import loan_key
from bot.records.writes import open_handoff
from bot.web import payment_signature
from tests.conftest import DEMO
from tests.support import web_app

EXAMPLES = 10_000
DEMO_LOAN_KEYS = {loan_key(line.split(",", 1)[0]) for line in DEMO.read_text(encoding="utf-8").splitlines()[1:]}

# ---- strategies ----------------------------------------------------------------------

# Hostile JSON texts hypothesis would rarely build by itself.
NASTY_TEXTS = [
    "[" * 60_000, '{"a":' * 10_000 + "1" + "}" * 10_000, "[" * 17 + "]" * 17, "1" * 5_000, "-" + "9" * 10_000,
    "1e999999999", '{"text": "\\ud800", "jurisdiction": "KE"}', '{"text": "a\\u0000b", "jurisdiction": "KE"}',
    '{"reference": "\\udfff", "loan_id": "x", "amount": "1", "currency": "KES", "paid_at": "2026-01-01T00:00:00Z"}',
    '{"__proto__": {"admin": true}}', '{"a": NaN, "b": Infinity, "c": -Infinity}', '{"text": "a", "text": 2}',
    "\ufeff{}", "{}\0", "null", "true", '"a string"', "[]", "", " ", "{", '{"text": }', "{'text': 'x'}",
    '{"amount": 1e400, "currency": "KES"}', '{"paid_at": "0001-01-01T00:00:00+01:00", "currency": "KES"}',
    '{"schedule": [' + ",".join(['{"due": "2026-12-15", "amount": "1.00"}'] * 61) + "]}",
]
CONTENT_TYPES = [
    "application/json", "application/json", "application/json; charset=utf-8", "application/json; charset=latin-1",
    "application/json; charset=no-such-charset", "text/plain", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data", "multipart/form-data; boundary=x",
    "application/octet-stream", "*/*", "", 'application/json; boundary="', "text/html; charset=\u00e9",
]
# Strings cheap to draw but hard to invent: long, numeric, control, bidi, surrogates, injections.
SPECIAL_STRINGS = [
    "", " ", "KE", "ke", "US", "DEFAULT", "LN-20931", "ln 20931", "2026-11-29T10:00:00Z", "1e3", "-0", "0.001",
    "NaN", "\u202e", "\ud83d\ude00", "\ud800", "\x00", "\x00" * 10, "a" * 2000, "a" * 2001, "a" * 6000, "9" * 5000,
    "'; DROP TABLE loans; --", "../../etc/passwd", "<script>alert(1)</script>", "${jndi:ldap://x}", "ann", "sam",
]
# Wrong types for any field, one draw each.
WRONG = [None, True, False, 0, -1, 10**400, -(10**4000), 2**63, 1.5, float("nan"), float("inf"), 1e308, [], {},
         [1], {"a": 1}, [[[]]], {"$gt": ""}, ["ann"], [None] * 70, {"text": "nested"}]
EDGE_DATES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00", "2026-02-30", "2026-11-29T10:00:00",
              "2026-11-29T10:00:00Z", "2026-11-29T10:00:00+03:00", "2026-11-29T25:00:00Z", "29/11/2026", "yesterday"]
TODAY = date(2026, 11, 30)

small_text = st.text(max_size=16)


def texts(*special: str) -> st.SearchStrategy:
    return small_text | st.sampled_from(list(special) + SPECIAL_STRINGS)


def maybe(values: st.SearchStrategy) -> st.SearchStrategy:
    """A field of a plausible type and value, or of a wrong type."""
    return values | st.sampled_from(WRONG + SPECIAL_STRINGS)


decimal_texts = (st.integers(-10, 10**16).map(str)
                 | st.tuples(st.integers(0, 10**6), st.integers(0, 10**5)).map(lambda t: f"{t[0]}.{t[1]}")
                 | st.sampled_from(["1" * 16, "1" * 15 + ".00", "0.00", "1e3", " 10.00 ", "10,00", "\u0661\u0660",
                                    "Infinity", "NaN", "-0.0"]))
date_texts = (st.integers(-3000, 3000).map(lambda d: (TODAY + timedelta(days=d)).isoformat())
              | st.integers(-30, 30).map(lambda h: f"{TODAY.isoformat()}T00:00:00{'+' if h >= 0 else '-'}{abs(h):02d}:00")
              | st.sampled_from(EDGE_DATES))
ROW = {"due": "2026-12-15", "amount": "1.00"}
schedules = (st.lists(st.fixed_dictionaries({"due": date_texts, "amount": decimal_texts}), max_size=2)
             | st.sampled_from([[], [{}], [ROW] * 60, [ROW] * 61, [{"due": "2026-12-15"}], [{"amount": "1.00"}],
                                [{**ROW, "due": None}], [{**ROW, "amount": 1.0}], [{**ROW, "due": "2026-02-30"}],
                                [{**ROW, "amount": "-1.00"}], [ROW, "row"], [[ROW]], [{**ROW, "amount": "1" * 13}]]))
# Every endpoint's fields in one object: each endpoint reads its own and ignores the rest.
FIELDS = {
    "text": texts("Pay today or the police will arrest you.", "Your payment is due on Friday."),
    "jurisdiction": st.sampled_from(["KE", "ke", "US", "US-MA", "UK", "atlantis", "DEFAULT", " ke "]),
    "reference": texts("x" * 128, "x" * 129),
    # never a demo loan: a correctly signed payment for one would rightly be recorded
    "loan_id": texts("LN-00000", "x" * 65).filter(lambda s: loan_key(s) not in DEMO_LOAN_KEYS),
    "amount": decimal_texts,
    "currency": st.sampled_from(["KES", "kes", "USD", "XXX", "K", ""]),
    "paid_at": date_texts,
    "kind": st.sampled_from(["promise_to_pay", "part_payment", "deferral", "instalment_plan", "fee_waiver"]),
    "schedule": schedules,
    "waiver": decimal_texts,
    "hardship": st.booleans(),
    "hardship_reason": texts(),
    "override_reason": texts(),
    "submission_id": st.text("abcXYZ019_-", min_size=6, max_size=10) | st.sampled_from(["a" * 64, "a" * 65, "bad id!!"]),
    "reason": texts("x" * 500, "x" * 501, "x" * 1001),
    "username": texts("ANN ", "a" * 65),
    "password": texts("x" * 73, "correct-horse"),
    "unknown_field": texts(),
}
# Which fields a body has: one draw picks a key set (hypothesis's cost is per
# draw, and 17 optional fields were 17 draws before any value). Each endpoint's
# full set, each with one field missing, all of them at once, one stray field.
GROUPS = [["text", "jurisdiction"], ["reference", "loan_id", "amount", "currency", "paid_at"], ["text"],
          ["kind", "schedule", "waiver", "hardship", "hardship_reason", "override_reason", "submission_id"],
          ["reason"], ["username", "password"]]
KEY_SETS = ([group for group in GROUPS] * 3 + [[k for k in group if k != gone] for group in GROUPS for gone in group]
            + [list(FIELDS)] * 3 + [[name] for name in FIELDS] + [[]])
MAYBE = {name: maybe(values) for name, values in FIELDS.items()}


@st.composite
def objects(draw) -> dict:
    return {name: draw(MAYBE[name]) for name in draw(st.sampled_from(KEY_SETS))}


any_json = (st.sampled_from(WRONG + SPECIAL_STRINGS) | st.integers() | st.floats()
            | st.lists(st.sampled_from(WRONG + SPECIAL_STRINGS), max_size=3))
header_texts = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)


@st.composite
def requests(draw) -> dict:
    """One input: body bytes, content type, content encoding, and the login form's body."""
    shape = draw(st.sampled_from(["object", "object", "object", "ascii", "value", "bytes", "nasty"]))
    fields = draw(objects()) if shape in ("object", "ascii") else {}
    if shape == "object":
        body = json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")
    elif shape == "ascii":
        body = json.dumps(fields).encode()
    elif shape == "value":
        body = json.dumps(draw(any_json)).encode()
    elif shape == "bytes":
        body = draw(st.binary(max_size=32))
    else:
        body = draw(st.sampled_from(NASTY_TEXTS)).encode("utf-8", "surrogatepass")
    content_type = draw(st.sampled_from(CONTENT_TYPES) | header_texts)
    encoding = draw(st.sampled_from([None, None, None, None, "identity", "gzip", "deflate", "br", "x"]))
    if fields and draw(st.booleans()):
        pairs = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in fields.items()]
        form = urllib.parse.urlencode(pairs, errors="surrogatepass").encode()
        login = (form, "application/x-www-form-urlencoded", encoding)
    else:
        login = (body, content_type, encoding)
    return {"body": body, "content_type": content_type, "encoding": encoding, "login": login}


# ---- the app and its records ----------------------------------------------------------

@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """In memory-backed /dev/shm when there is one: every audited decision is a
    commit, and an fsync per commit on disk would double the run time."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="fuzz-records-") as folder:
            yield web_app.demo_database(Path(folder))
    else:
        yield web_app.demo_database(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def cases(database_url) -> dict[str, int]:
    """Cases whose handlers validate the whole body and then stop before any
    write, so a valid body changes nothing either. other_agents: held by sam,
    so ann's valid reply is a 409 after reply_text (the compliance path of a
    sent reply costs a Rasa round trip per input; check_text itself is fuzzed
    through /api/compliance/check). unverified: ann's, without a loan, so a
    valid arrangement form is a 409 after arrangement_form."""
    engine = db.make_engine(database_url)
    try:
        with db.transaction(db.make_session_factory(engine)) as session:
            made = {}
            for name, loan, holder in (("other_agents", web_app.LOAN, "sam"), ("unverified", None, "ann")):
                case = open_handoff(session, loan_id=loan, borrower_id=None, conversation_id=f"fuzz-{name}",
                                    reason="borrower asked for a person", summary={"verified": bool(loan)})
                handoffs.take_handoff(session, case.id, actor=f"agent:{holder}")
                made[name] = case.id
    finally:
        engine.dispose()
    return made


@pytest.fixture(scope="module")
def web(database_url, cases):
    # A wrong login checks a dummy bcrypt hash (cost 12, ~0.25 s) so response
    # times do not reveal usernames; 10,000 of them would take 40 minutes.
    # The fuzz is about input handling, so the dummy is made cheap here.
    saved = agents._DUMMY_HASH
    agents._DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=4))
    try:
        with web_app.InProcessWeb(web_app.web_config(database_url)) as running:
            yield running
    finally:
        agents._DUMMY_HASH = saved


# ---- the endpoints ------------------------------------------------------------------------

def endpoints(web, database_url: str, cases: dict[str, int]) -> dict[str, tuple[str, dict, str]]:
    """name -> (path, headers, kind); kind says which body and which check."""
    cookie = web_app.session_cookie(database_url, "ann")
    console = {"Origin": web.origin, "X-Console-Request": "1", "Cookie": f"console_session={cookie}"}
    return {
        "POST /api/compliance/check": ("/api/compliance/check",
                                       {"Authorization": f"Bearer {web_app.ADMIN_TOKEN}"}, "json"),
        "POST /api/payments, unsigned or badly signed": ("/api/payments", {}, "unsigned"),
        "POST /api/payments, signed": ("/api/payments", {}, "signed"),
        "POST /console/login (form)": ("/console/login", {"Origin": web.origin}, "login"),
        "POST /console/api/cases/{id}/reply": (f"/console/api/cases/{cases['other_agents']}/reply", console,
                                                "json"),
        "POST /console/api/cases/{id}/arrangement": (f"/console/api/cases/{cases['unverified']}/arrangement",
                                                     console, "json"),
        # LN-20931 is not locked: a valid request lifts nothing and must write nothing
        "POST /console/api/loans/{loan_id}/verification/unlock": (
            f"/console/api/loans/{web_app.LOAN}/verification/unlock", console, "json"),
    }


# (kind, payload source) of the audit entries fuzzing may add: every valid
# compliance check is a decision, audited as such.
ALLOWED_AUDIT = {("compliance_decision", "admin_api")}
BAD_SIGNATURES = st.none() | header_texts | st.builds(
    lambda t, mac: f"t={t},v1={mac:064x}", st.integers(0, 2**40), st.integers(0, 2**256 - 1))


def check(name: str, answer: web_app.Answer, json_errors: bool) -> None:
    """Below 500; a JSON endpoint's refusal is {"error": ...}."""
    assert answer.status < 500, (name, answer.status, answer.body[:500])
    if json_errors and answer.status >= 400:
        assert "error" in json.loads(answer.body), (name, answer.body[:300])


def test_fuzz_every_body_reading_endpoint(web, database_url, cases):
    targets = endpoints(web, database_url, cases)
    before, head = web_app.table_digests(database_url), web_app.audit_head(database_url)
    trail_before = web_app.audit_digest(database_url, up_to=head)
    sent: Counter = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=[
        HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
        HealthCheck.large_base_example])
    @given(case=requests(), bad_signature=BAD_SIGNATURES)
    def run(case, bad_signature):
        for name, (path, headers, kind) in targets.items():
            body, content_type, encoding = case["login"] if kind == "login" else (
                case["body"], case["content_type"], case["encoding"])
            headers = {**headers, "Content-Type": content_type}
            if encoding:
                headers["Content-Encoding"] = encoding
            if kind == "signed":
                headers[payment_signature.HEADER] = payment_signature.header_value(
                    web_app.PAYMENT_SECRET, int(time.time()), body)
            elif kind == "unsigned" and bad_signature is not None:
                headers[payment_signature.HEADER] = bad_signature
            answer = web.request("POST", path, data=body, headers=headers)
            sent[name] += 1
            # the login page answers in HTML; only the body-limit refusals are JSON there
            check(name, answer, json_errors=kind != "login" or answer.status in (413, 415))
            if kind == "unsigned":
                assert answer.status in (401, 413, 415), (name, answer.status, answer.body[:300])
            if kind == "login":
                assert answer.status != 303, "a fuzzed form logged in"

    started = time.monotonic()
    run()
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {EXAMPLES} examples, {sum(sent.values())} requests in {elapsed:.1f} s")
    for name, count in sent.items():
        print(f"  {name}: {count} inputs")
    assert min(sent.values()) >= EXAMPLES and set(sent) == set(targets)

    after = web_app.table_digests(database_url)
    assert set(after) == set(before), "fuzzing created or dropped a table"
    changed = sorted(t for t in before if t != "audit_entries" and before[t] != after[t])
    assert not changed, f"fuzzing changed these tables: {changed}"
    assert web_app.audit_digest(database_url, up_to=head) == trail_before, "fuzzing changed the audit trail"
    extra = set(web_app.audit_kinds_after(database_url, head)) - ALLOWED_AUDIT
    assert not extra, f"unexpected audit entries: {sorted(extra, key=str)}"
