"""The web server's scheduled audit anchor (bot/web/anchor_job.py): its
settings, and the job itself in a running aiohttp application."""
from __future__ import annotations

import asyncio
import logging

import pytest
import yaml
from aiohttp import web

from bot.records import anchor, audit
from bot.web import anchor_job
from tests.support.config_files import write_variant
from tests.support.records_fixtures import fresh_records_db

KEY = "job-test-key-" + "j" * 32


def bot_yml(tmp_path, body: str):
    """The shipped bot.yml with `body`'s keys changed (bot.config refuses a partial file)."""
    return write_variant(tmp_path / "bot.yml", "bot.yml", yaml.safe_load(body))


def test_settings(tmp_path):
    env = {anchor.KEY_ENV: KEY, anchor.FILE_ENV: str(tmp_path / "a.jsonl")}
    assert anchor_job.job_settings({}, bot_yml(tmp_path, "ports: {}\n")) is None
    job = anchor_job.job_settings(env, bot_yml(tmp_path, "ports: {}\n"))
    assert (job.minutes, job.path, job.key) == (60, tmp_path / "a.jsonl", KEY.encode())
    assert anchor_job.job_settings(env, bot_yml(tmp_path, "audit_anchor_minutes: 15\n")).minutes == 15
    assert anchor_job.job_settings(env).minutes == 60  # config/bot.yml as shipped
    for bad in ("0", "99999", "'60'", "true", "1.5"):
        with pytest.raises(ValueError, match="audit_anchor_minutes: must be a whole number from 1 to 10080"):
            anchor_job.job_settings(env, bot_yml(tmp_path, f"audit_anchor_minutes: {bad}\n"))
    with pytest.raises(ValueError, match="at least 32"):
        anchor_job.job_settings({anchor.KEY_ENV: "short"}, bot_yml(tmp_path, "ports: {}\n"))


def test_no_key_no_job(tmp_path, caplog):
    app = web.Application()
    with caplog.at_level(logging.WARNING):
        anchor_job.install(app, {})
    assert len(app.cleanup_ctx) == 0
    assert "AUDIT_ANCHOR_KEY is not set" in caplog.text


async def _serve(app: web.Application, until) -> None:
    runner = web.AppRunner(app)
    await runner.setup()  # runs the startup half of cleanup_ctx: the job starts
    try:
        for _ in range(1000):  # generous: 10 s
            if until():
                break
            await asyncio.sleep(0.01)
    finally:
        await runner.cleanup()


def test_the_job_anchors_at_start_and_on_schedule(tmp_path, monkeypatch):
    monkeypatch.setattr(anchor_job, "SECONDS_PER_MINUTE", 0.01)
    path = tmp_path / "var" / "audit-anchors.jsonl"
    with fresh_records_db("sqlite", tmp_path) as db:
        with db.session() as s:
            head = audit.append(s, actor="bot", kind="message_out", payload={"n": 1})
            head_seq, head_hash = head.seq, head.hash
        app = web.Application()
        app["session_factory"] = db.factory
        anchor_job.install(app, {anchor.KEY_ENV: KEY, anchor.FILE_ENV: str(path)})
        asyncio.run(_serve(app, lambda: path.exists() and path.read_text().count("\n") >= 3))
    anchors = anchor.read_anchors(path, KEY.encode())  # every line signed and linked
    assert len(anchors) >= 3
    assert {(a.seq, a.hash) for a in anchors} == {(head_seq, head_hash)}


def test_a_failing_anchor_is_logged_and_retried(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(anchor_job, "SECONDS_PER_MINUTE", 0.01)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with fresh_records_db("sqlite", tmp_path) as db:
        app = web.Application()
        app["session_factory"] = db.factory
        anchor_job.install(app, {anchor.KEY_ENV: KEY, anchor.FILE_ENV: str(blocker / "anchors.jsonl")})
        with caplog.at_level(logging.ERROR):
            asyncio.run(_serve(app, lambda: caplog.text.count("could not anchor the audit chain") >= 2))
    assert caplog.text.count("could not anchor the audit chain") >= 2
