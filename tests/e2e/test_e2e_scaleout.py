"""Scale-out as Rasa does it: two Rasa servers sharing one PostgreSQL tracker
store and one Redis lock store, records in PostgreSQL. One borrower's messages
alternate between the servers and the conversation still holds together.

Runs where PostgreSQL and Redis are available (CI starts both: TEST_POSTGRES_URL,
TEST_REDIS_URL).
"""
from __future__ import annotations

import os
import secrets
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import DEMO, MODEL, free_port, get_json, post_json

PG, REDIS = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not (PG and REDIS), reason="needs TEST_POSTGRES_URL and TEST_REDIS_URL")]


def fresh_database(name: str) -> str:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return str(make_url(PG).set(database=name))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from bot.launch import start
    from bot.records.cli import main as records_cli

    records_url, tracker_url = fresh_database("bot_e2e_records"), fresh_database("bot_e2e_tracker")
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", records_url)
    assert records_cli(["import", str(DEMO)]) == 0
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    running = start(model=MODEL, database_url=records_url, tracker_url=tracker_url,
                    var_dir=tmp_path_factory.mktemp("cluster"), admin_token=secrets.token_urlsafe(16),
                    ports=ports, lock_url=REDIS, more_rasa_ports=(free_port(),))
    yield running
    running.stop()
    mp.undo()


def say(url: str, sender: str, message: str) -> str:
    _, replies = post_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": message})
    return "\n".join(r.get("text", "") for r in replies)


def test_one_conversation_across_two_rasa_servers(cluster):
    a, b = cluster.rasa_url, cluster.more_rasa_urls[0]
    sender = f"scale-{secrets.token_hex(4)}"
    assert "date of birth" in say(a, sender, "hi")
    assert "13,860.00" in say(b, sender, "LN-20931 and 17 April 1991")  # B knows what A asked
    offer = say(a, sender, "can I split it into 3 payments")
    assert "Shall I set this up" in offer
    assert "recorded" in say(b, sender, "yes")  # B accepts what A offered
    status, loan = get_json(f"{cluster.web_url}/api/loans/LN-20931",
                            headers={"Authorization": f"Bearer {cluster.admin_token}"})
    assert status == 200 and loan["active_arrangement"]["kind"] == "instalment_plan"
    assert sum(Decimal(s["amount"]) for s in loan["active_arrangement"]["schedule"]) == Decimal("13860.00")
    _, tracker = get_json(cluster.rasa_api(f"/conversations/{sender}/tracker", b))
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"][0] == "hi"
