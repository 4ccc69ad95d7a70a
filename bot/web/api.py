"""Admin API handlers: validate the request, make one call, shape the answer.

Database work runs in a worker thread (asyncio.to_thread) because SQLAlchemy
here is synchronous and SQLite may wait up to its busy timeout for the write
lock; the event loop keeps serving the chat page meanwhile.

Every read of a borrower's data is audited (kind "data_access") in the same
transaction as the read, so the trail shows who looked, not only who changed.
The payment callback is the provider's, not an operator's: it carries no
admin token but an HMAC signature of its body (payment_signature.py).
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from typing import Any, Callable, TypeVar

from aiohttp import web

import bot.compliance as compliance
from bot.compliance.profiles import ProfileError, default_profiles
from bot.config.campaigns import load_campaigns
from bot.negotiation import limits
from bot.records import audit, callbacks, db, queries, views, writes
from bot.records.errors import NotFound, RecordError

from . import payment_signature, validate
from .jsonio import error, ok

T = TypeVar("T")
HANDOFF_STATUSES = ("open",)
MAX_LOAN_ID = 64  # loans.loan_id


async def in_transaction(request: web.Request, work: Callable[[Any], T]) -> T:
    factory = request.app["session_factory"]

    def run() -> T:
        with db.transaction(factory) as session:
            return work(session)

    return await asyncio.to_thread(run)


async def _json_body(request: web.Request) -> dict[str, Any]:
    return validate.json_object(await request.read())


def route_name(request: web.Request) -> str:
    """'GET /api/loans/{loan_id}': the route, not the path, so ids stay in their own columns."""
    return f"{request.method} {request.match_info.route.resource.canonical}"


def audit_read(session, request: web.Request, *, loan_id: str | None = None, borrower_id: str | None = None,
               **details: Any) -> None:
    audit.append(session, actor="operator", kind="data_access", loan_id=loan_id, borrower_id=borrower_id,
                 payload={"route": route_name(request), **details})


def grace_days(loan) -> int:
    """The loan's grace days (config/campaigns.yml: product, then jurisdiction)."""
    return load_campaigns().cadence(loan.product_code, loan.borrower.jurisdiction).grace_days


def loan_ref(request: web.Request) -> str | None:
    """The path's loan id, or None when it cannot name a loan (too long, control characters)."""
    loan_id = request.match_info["loan_id"]
    if len(loan_id) > MAX_LOAN_ID or validate.has_control_characters(loan_id):
        return None
    return loan_id


async def loan(request: web.Request) -> web.Response:
    loan_id = loan_ref(request)
    if loan_id is None:
        return error(404, "no such loan")

    def work(session):
        summary = views.loan_summary(session, loan_id, grace_days=grace_days)
        if summary is not None:
            audit_read(session, request, loan_id=summary["loan_id"],
                       borrower_id=summary["borrower"]["borrower_id"])
        return summary

    summary = await in_transaction(request, work)
    if summary is None:
        return error(404, f"no loan {loan_id!r}")
    return ok(summary)


async def loan_audit(request: web.Request) -> web.Response:
    loan_id = loan_ref(request)
    if loan_id is None:
        return error(404, "no such loan")

    def work(session):
        found = queries.find_loan(session, loan_id)
        if found is None:
            return None
        # Read first: the answer is the trail as it was when asked.
        entries = views.loan_audit(session, loan_id)
        audit_read(session, request, loan_id=found.loan_id, borrower_id=found.borrower.borrower_id)
        return found.loan_id, entries

    result = await in_transaction(request, work)
    if result is None:
        return error(404, f"no loan {loan_id!r}")
    canonical_id, entries = result
    return ok({"loan_id": canonical_id, "entries": entries})


async def handoffs(request: web.Request) -> web.Response:
    status = request.query.get("status", "open")
    if status not in HANDOFF_STATUSES:
        return error(400, f"unsupported status {status!r}; supported: {', '.join(HANDOFF_STATUSES)}")

    def work(session):
        items = views.open_handoffs(session)
        # One entry for the whole list, naming the cases (not one per borrower).
        audit_read(session, request, case_ids=[item["id"] for item in items])
        return items

    return ok({"status": status, "handoffs": await in_transaction(request, work)})


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
        # The profiles check_text applies (parsed once): re-reading the YAML
        # here took ~70 ms of the event loop per request.
        known = default_profiles().keys()
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
        "reverses": payment.reverses,
    }


async def payments(request: web.Request) -> web.Response:
    """The provider's callback: signature (401), body (400), then one transaction
    refusing a replayed signature (409) and recording the payment."""
    config = request.app["config"]
    if not config.payment_webhook_secret:
        return error(503, "payment callback disabled: PAYMENT_WEBHOOK_SECRET is not set on the web server")
    raw = await request.read()
    try:
        signed = payment_signature.verify(
            config.payment_webhook_secret, request.headers.get(payment_signature.HEADER), raw,
            now=time.time(), tolerance_s=config.payment_tolerance_s)
    except payment_signature.SignatureError as exc:
        return error(401, str(exc), headers={"WWW-Authenticate": f'{payment_signature.HEADER} realm="payments"'})
    try:
        paid = validate.payment(validate.json_object(raw))
    except validate.BadRequest as exc:
        return error(400, str(exc))
    valid_until = datetime.fromtimestamp(signed.timestamp + config.payment_tolerance_s, timezone.utc)

    def work(session):
        # Same transaction as the payment: only a callback that is recorded
        # (or recognised as a provider retry) consumes its signature.
        callbacks.accept_signature(session, signed.signature, expires_at=valid_until)
        payment, created = writes.record_payment(
            session, reference=paid.reference, loan_id=paid.loan_id, amount=paid.amount,
            currency=paid.currency, paid_at=paid.paid_at, reverses=paid.reverses,
        )
        return {**payment_dict(payment),
                "instalments": views.instalment_states(payment.loan, grace_days(payment.loan))}, created

    try:
        record, created = await in_transaction(request, work)
    except callbacks.ReplayedCallback as exc:
        return error(409, str(exc))
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
