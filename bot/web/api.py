"""Admin API handlers: validate the request, make one call, shape the answer.

Database work runs in a worker thread (asyncio.to_thread) because SQLAlchemy
here is synchronous and SQLite may wait up to its busy timeout for the write
lock; the event loop keeps serving the chat page meanwhile.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

from aiohttp import web

import bot.compliance as compliance
from bot.compliance.profiles import ProfileError
from bot.negotiation import limits
from bot.records import audit, db, queries, views, writes
from bot.records.errors import NotFound, RecordError

from . import validate
from .jsonio import error, ok

T = TypeVar("T")
HANDOFF_STATUSES = ("open",)


async def in_transaction(request: web.Request, work: Callable[[Any], T]) -> T:
    factory = request.app["session_factory"]

    def run() -> T:
        with db.transaction(factory) as session:
            return work(session)

    return await asyncio.to_thread(run)


async def _json_body(request: web.Request) -> dict[str, Any]:
    return validate.json_object(await request.read())


async def loan(request: web.Request) -> web.Response:
    loan_id = request.match_info["loan_id"]
    summary = await in_transaction(request, lambda s: views.loan_summary(s, loan_id))
    if summary is None:
        return error(404, f"no loan {loan_id!r}")
    return ok(summary)


async def loan_audit(request: web.Request) -> web.Response:
    loan_id = request.match_info["loan_id"]

    def work(session):
        found = queries.find_loan(session, loan_id)
        return (found.loan_id, views.loan_audit(session, loan_id)) if found else None

    result = await in_transaction(request, work)
    if result is None:
        return error(404, f"no loan {loan_id!r}")
    canonical_id, entries = result
    return ok({"loan_id": canonical_id, "entries": entries})


async def handoffs(request: web.Request) -> web.Response:
    status = request.query.get("status", "open")
    if status not in HANDOFF_STATUSES:
        return error(400, f"unsupported status {status!r}; supported: {', '.join(HANDOFF_STATUSES)}")
    items = await in_transaction(request, views.open_handoffs)
    return ok({"status": status, "handoffs": items})


def config_error(exc: Exception) -> web.Response:
    """An operator's YAML is broken: say where, since only admins see this."""
    return error(500, f"configuration error: {exc}")


async def products(request: web.Request) -> web.Response:
    path = request.app["config"].products_path
    try:
        loaded = await asyncio.to_thread(limits.load_products, path)
    except limits.ProductConfigError as exc:
        return config_error(exc)
    return ok({"products": [limits.as_dict(loaded[code]) for code in sorted(loaded)]})


async def compliance_check(request: web.Request) -> web.Response:
    try:
        known = compliance.load_profiles().keys()
    except ProfileError as exc:
        return config_error(exc)
    try:
        text, jurisdiction = validate.compliance_check(await _json_body(request), known)
    except validate.BadRequest as exc:
        return error(400, str(exc))

    def work(session):
        decision = compliance.check_text(text, jurisdiction)
        result = decision.as_dict()
        audit.append(
            session, actor="operator", kind="compliance_decision",
            payload={"source": "admin_api", "jurisdiction": jurisdiction, "text": text, **result},
        )
        return result

    return ok(await in_transaction(request, work))


def payment_dict(payment) -> dict[str, Any]:
    return {
        "reference": payment.reference,
        "loan_id": payment.loan.loan_id,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "paid_at": audit.format_at(payment.paid_at),
        "recorded_at": audit.format_at(payment.recorded_at),
    }


async def payments(request: web.Request) -> web.Response:
    try:
        paid = validate.payment(await _json_body(request))
    except validate.BadRequest as exc:
        return error(400, str(exc))

    def work(session):
        payment, created = writes.record_payment(
            session, reference=paid.reference, loan_id=paid.loan_id, amount=paid.amount,
            currency=paid.currency, paid_at=paid.paid_at,
        )
        return payment_dict(payment), created

    try:
        record, created = await in_transaction(request, work)
    except NotFound as exc:
        return error(404, str(exc))
    except RecordError as exc:
        # The body passed validate.payment (same limits as the records), so
        # what the records still refuse is a clash with stored state: a
        # currency other than the loan's, or a reused reference whose details
        # differ.
        return error(409, str(exc))
    return ok(record, status=201 if created else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/loans/{loan_id}", loan)
    app.router.add_get("/api/loans/{loan_id}/audit", loan_audit)
    app.router.add_get("/api/handoffs", handoffs)
    app.router.add_get("/api/products", products)
    app.router.add_post("/api/compliance/check", compliance_check)
    app.router.add_post("/api/payments", payments)
