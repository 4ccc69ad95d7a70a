"""Cases nobody took in time (bot/web/handoff_timeout_job.py): the borrower is told in their own
conversation through the compliance check, the case escalates, and both happen once."""
from __future__ import annotations

import asyncio

import pytest
import yaml
from aiohttp import web
from sqlalchemy import select

from bot.records import handoffs
from bot.records.handoffs import take_handoff
from bot.records.models import AuditEntry, Handoff
from bot.records.writes import open_handoff
from bot.web import handoff_timeout_job as job
from bot.web.rasa_client import RasaClient
from tests.support.config_files import write_variant
from tests.support.console_fake_rasa import FakeRasa
from tests.support.records_fixtures import fresh_records_db


@pytest.fixture
def fake_rasa():
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


def test_the_wait_is_config_bot_yml_handoff_take_within_minutes(tmp_path):
    assert job.take_within_minutes() == 60  # as shipped
    path = write_variant(tmp_path / "bot.yml", "bot.yml", yaml.safe_load("handoff: {take_within_minutes: 5}"))
    assert job.take_within_minutes(path) == 5
    for bad in ("0", "'60'", "true", "99999"):
        bad_path = write_variant(tmp_path / "bad.yml", "bot.yml",
                                 yaml.safe_load(f"handoff: {{take_within_minutes: {bad}}}"))
        with pytest.raises(ValueError, match="handoff.take_within_minutes"):
            job.take_within_minutes(bad_path)


def open_case(db, conversation_id: str) -> int:
    with db.session() as s:
        return open_handoff(s, loan_id=None, borrower_id=None, conversation_id=conversation_id,
                            reason="borrower asked for a person", summary={}).id


def test_an_untaken_case_is_escalated_and_the_borrower_told_once(tmp_path, monkeypatch, fake_rasa):
    monkeypatch.setattr(job, "SECONDS_PER_MINUTE", 0)  # every open case is overdue at once
    fake_rasa.conversation("conv-wait", verified=False)
    with fresh_records_db("sqlite", tmp_path) as db:
        waiting, taken = open_case(db, "conv-wait"), open_case(db, "conv-taken")
        with db.session() as s:
            take_handoff(s, taken, actor="agent:amina")

        async def twice() -> tuple[int, int]:
            app = web.Application()
            app["session_factory"], app["rasa"] = db.factory, RasaClient(fake_rasa.url)
            try:
                return await job.check_once(app, 60), await job.check_once(app, 60)
            finally:
                await app["rasa"].close()

        assert asyncio.run(twice()) == (1, 0)
        with db.session() as s:
            case = s.get(Handoff, waiting)
            assert (case.priority, case.escalated_at is not None) == (handoffs.PRIORITY_ESCALATED, True)
            assert s.get(Handoff, taken).escalated_at is None
            told = s.execute(select(AuditEntry).where(AuditEntry.conversation_id == "conv-wait",
                                                      AuditEntry.kind == "message_out")).scalars().all()
    [sent] = fake_rasa.appended_to("conv-wait")
    assert sent["query"] == {"output_channel": "latest", "execute_side_effects": "true"}
    assert sent["events"] == [{"event": "bot", "text": job.timeout_text(), "metadata": {"handoff_timeout": True}}]
    assert "nobody from Tawi Credit has replied yet" in job.timeout_text()
    assert fake_rasa.appended_to("conv-taken") == []
    assert [(e.actor, e.payload["source"], e.payload["allowed"]) for e in told] == [("bot", "handoff_timeout", True)]


def test_rasa_down_the_case_is_still_escalated(tmp_path, monkeypatch):
    monkeypatch.setattr(job, "SECONDS_PER_MINUTE", 0)
    with fresh_records_db("sqlite", tmp_path) as db:
        cid = open_case(db, "conv-down")

        async def once() -> int:
            app = web.Application()
            app["session_factory"], app["rasa"] = db.factory, RasaClient("http://127.0.0.1:9")
            try:
                return await job.check_once(app, 60)
            finally:
                await app["rasa"].close()

        assert asyncio.run(once()) == 1
        with db.session() as s:
            assert s.get(Handoff, cid).priority == handoffs.PRIORITY_ESCALATED


def test_the_web_server_runs_the_check_on_a_schedule(tmp_path, monkeypatch, fake_rasa):
    monkeypatch.setattr(job, "SECONDS_PER_MINUTE", 0.01)
    fake_rasa.conversation("conv-sched", verified=False)
    with fresh_records_db("sqlite", tmp_path) as db:
        cid = open_case(db, "conv-sched")

        def escalated() -> bool:
            with db.session() as s:
                return s.get(Handoff, cid).escalated_at is not None

        async def serve() -> None:
            app = web.Application()
            app["session_factory"], app["rasa"] = db.factory, RasaClient(fake_rasa.url)
            job.install(app)
            runner = web.AppRunner(app)
            await runner.setup()  # the startup half of cleanup_ctx: the job starts
            try:
                for _ in range(1000):  # generous: 10 s
                    if fake_rasa.appended_to("conv-sched"):
                        break
                    await asyncio.sleep(0.01)
            finally:
                await runner.cleanup()
                await app["rasa"].close()

        asyncio.run(serve())
        assert escalated()
    assert len(fake_rasa.appended_to("conv-sched")) == 1
