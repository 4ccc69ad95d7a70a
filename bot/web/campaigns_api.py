"""The campaign plan for operators, and the providers' delivery receipts.

GET /api/campaigns/plan?date= is an admin route (bearer token, auth.py) and
writes nothing. The receipts come from the SMS/WhatsApp providers, not from
operators: Twilio's carry its X-Twilio-Signature over the public callback URL,
Africa's Talking's carry the shared secret in the query string (it does not
sign). A receipt moves a send forward only (bot/records/sends.py).
"""
from __future__ import annotations

import asyncio
import hmac
from datetime import date

from aiohttp import web

from bot.campaigns.run import plan_for
from bot.channels.providers import africastalking, twilio
from bot.records import db, sends

from .jsonio import error, ok

# Provider statuses (normalised by the adapters) as send statuses; "queued" says nothing new.
RECEIPT_STATUS = {"sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "failed",
                  "failed": "failed"}


async def campaign_plan(request: web.Request) -> web.Response:
    raw = request.query.get("date", "")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return error(400, "'date' is required as YYYY-MM-DD, e.g. ?date=2026-12-07")
    lines = await asyncio.to_thread(plan_for, request.app["session_factory"], day)
    return ok({"date": day.isoformat(), "contacts": lines})


async def _receipt(request: web.Request, provider: str, provider_id: str, status: str) -> web.Response:
    mapped = RECEIPT_STATUS.get(status)
    if mapped is None:
        return ok({"recorded": False, "status": status})

    def work() -> bool:
        with db.transaction(request.app["session_factory"]) as session:
            return sends.record_delivery(session, provider=provider, provider_id=provider_id, status=mapped) is not None

    known = await asyncio.to_thread(work)
    return ok({"recorded": known, "status": mapped}) if known else error(404, f"no send with {provider} id {provider_id!r}")


async def twilio_status(request: web.Request) -> web.Response:
    config = request.app["config"]
    if not config.twilio_auth_token or not config.twilio_status_callback_url:
        return error(503, "Twilio receipts disabled: set TWILIO_AUTH_TOKEN and TWILIO_STATUS_CALLBACK_URL")
    form = {k: v for k, v in (await request.post()).items()}
    if not twilio.valid_signature(config.twilio_auth_token, config.twilio_status_callback_url, form,
                                  request.headers.get("X-Twilio-Signature")):
        return error(403, "missing or wrong X-Twilio-Signature")
    try:
        sid, status = twilio.parse_status_callback(form)
    except ValueError as exc:
        return error(400, str(exc))
    return await _receipt(request, twilio.PROVIDER, sid, status)


async def africastalking_delivery(request: web.Request) -> web.Response:
    secret = request.app["config"].at_delivery_secret
    if not secret:
        return error(503, "Africa's Talking receipts disabled: set AT_DELIVERY_SECRET")
    given = request.query.get("secret", "")
    if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
        return error(403, "missing or wrong secret")
    form = {k: v for k, v in (await request.post()).items()}
    try:
        message_id, status = africastalking.parse_delivery_report(form)
    except ValueError as exc:
        return error(400, str(exc))
    return await _receipt(request, africastalking.PROVIDER, message_id, status)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/campaigns/plan", campaign_plan)
    app.router.add_post("/webhooks/providers/twilio/status", twilio_status)
    app.router.add_post("/webhooks/providers/africastalking/delivery", africastalking_delivery)
