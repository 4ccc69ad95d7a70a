"""The console's server-rendered pages: log in / out, queue, case.

This module only picks the values; the templates (templates/console_*.html,
rendered by render.py with autoescaping) turn every value from the database or
the borrower into text, and the JavaScript only ever inserts text with
textContent. Pages get the same strict Content-Security-Policy as the chat
page, with connect-src limited to us.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.negotiation.money import fmt
from bot.records import agents, db, views
from bot.records import verification as lockout
from bot.settings import verification as verification_settings

from . import console_auth as auth
from .api import in_transaction
from .console_api import QUEUE_STATUSES, actor, by_priority, with_extras
from .pages import page_headers
from .render import render


def headers(request: web.Request) -> dict[str, str]:
    found = page_headers(request.app["config"])
    found["Content-Security-Policy"] = found["Content-Security-Policy"].replace(
        next(p for p in found["Content-Security-Policy"].split("; ") if p.startswith("connect-src")),
        "connect-src 'self'")
    # With no-referrer, Chromium sends "Origin: null" on form POSTs and the
    # origin check (console_auth.same_origin) would refuse our own login form.
    found["Referrer-Policy"] = "same-origin"
    return found


def page(request: web.Request, template: str, title: str, status: int = 200, **values) -> web.Response:
    """A console page: `template` extends console_base.html, which shows who is logged in."""
    text = render(template, title=title, lender=request.app["config"].lender_name, agent=request.get("agent"),
                  **values)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers=headers(request))


def login_form(request: web.Request, message: str = "", username: str = "", status: int = 200) -> web.Response:
    return page(request, "console_login.html", "Log in", status, message=message, username=username)


async def login_page(request: web.Request) -> web.Response:
    if await auth.current_agent(request):
        raise web.HTTPFound("/console")
    return login_form(request)


async def login(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except ValueError:  # bytes that are not text in the declared charset, a broken multipart body
        return login_form(request, "The form could not be read; please try again.", status=400)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    limiter: auth.LoginLimiter = request.app["login_limiter"]
    wait = limiter.blocked_for(username)
    if wait:
        return login_form(request, f"Too many failed attempts for this username; try again in "
                                   f"{int(wait // 60) + 1} minutes.", username, status=429)
    factory = request.app["session_factory"]

    def attempt():
        with db.transaction(factory) as session:
            agent = agents.authenticate(session, username, password)
            return agents.create_session(session, agent) if agent else None

    token = await asyncio.to_thread(attempt)
    if token is None:
        limiter.failed(username)
        return login_form(request, "Wrong username or password.", username, status=401)
    limiter.succeeded(username)
    response = web.HTTPSeeOther("/console")
    auth.set_session_cookie(request, response, token)
    raise response


async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(auth.COOKIE)
    factory = request.app["session_factory"]

    def end():
        with db.transaction(factory) as session:
            agents.end_session(session, token)

    await asyncio.to_thread(end)
    response = web.HTTPSeeOther(auth.LOGIN_PATH)
    auth.clear_session_cookie(response)
    raise response


def _money(amount, currency) -> str | None:
    """'KES 215,750.00' like the bot says it; None when the summary lacks it."""
    if amount in (None, "") or not isinstance(currency, str) or not currency:
        return None
    try:
        return fmt(amount, currency)
    except (TypeError, ValueError, ArithmeticError):
        return f"{currency} {amount}"


def _minute(value) -> str:
    """'2026-02-03 04:05' from an ISO timestamp or a datetime."""
    return str(value)[:16].replace("T", " ")


def _loan_line(loan: dict | None) -> list[str]:
    """The parts of the queue's one-line loan summary (the template joins them)."""
    if not loan or not loan.get("loan_id"):
        return ["not verified yet"]
    money = _money(loan.get("total"), loan.get("currency"))
    parts = [loan.get("loan_id"), money,
             loan.get("status"), f'{loan["days_overdue"]} days overdue' if loan.get("days_overdue") is not None else None]
    return [str(p) for p in parts if p]


def _timeline(items: list[dict], limit: int | None = None) -> list[dict]:
    """Every key the template reads, so StrictUndefined never meets a missing one."""
    items = items[-limit:] if limit else items
    return [{"intent": str(t.get("intent") or "?"), "emotion": t.get("emotion"), "text": t.get("text")}
            for t in items]


# The queue's priority labels, as console.js names them on the case page.
PRIORITY_LABELS = {0: "normal", 1: "high: nobody took it in time", 2: "top: self-harm risk"}


def _priority(case: dict) -> tuple[int, str]:
    """The case's priority and its label; an unknown level is shown as its number."""
    level = int(case.get("priority") or 0)
    return level, PRIORITY_LABELS.get(level, str(level))


def queue_rows(cases: list[dict], me: str) -> list[dict]:
    """What console_queue_rows.html shows for each waiting case, in the order given."""
    rows = []
    for c in cases:
        s = c.get("summary") or {}
        level, label = _priority(c)
        rows.append({
            "id": c["id"], "status": c["status"], "mine": c["taken_by"] == me,
            "priority": level, "priority_text": label,
            "status_text": "open" if c["status"] == "open" else f'taken by {c["taken_by"].removeprefix("agent:")}',
            "created": _minute(c["created_at"]), "reason": c["reason"],
            "borrower": c.get("borrower_name") or "unknown borrower", "loan": _loan_line(s.get("loan")),
            "verified": bool(s.get("verified")), "offers": _offers_line(c.get("offers") or []),
            "pending": bool(s.get("pending_offer")), "timeline": _timeline(s.get("timeline") or [], 4),
            "asked": s.get("last_message") or "",
        })
    return rows


async def _queue_cases(request: web.Request) -> list[dict]:
    """Waiting cases most urgent first, oldest first within a priority: the same order as
    the JSON queue (console_api.queue), so the page and its refresh never disagree with it."""
    def work(session):
        cases = by_priority(with_extras(session, views.open_handoffs(session, QUEUE_STATUSES)))
        offers = views.offers_made(session, [c["conversation_id"] for c in cases])
        return [{**c, "offers": offers[c["conversation_id"]]} for c in cases]

    return await in_transaction(request, work)


def _offers_line(offers: list[dict]) -> str:
    if not offers:
        return "no offer made"
    last = offers[-1]
    kind = str(last.get("kind") or "offer").replace("_", " ")
    return f"{len(offers)} offer{'s' if len(offers) > 1 else ''} made, last: {kind}"


async def queue_page(request: web.Request) -> web.Response:
    rows = queue_rows(await _queue_cases(request), actor(request))
    return page(request, "console_queue.html", "Queue", rows=rows)


async def queue_fragment(request: web.Request) -> web.Response:
    rows = queue_rows(await _queue_cases(request), actor(request))
    return web.Response(text=render("console_queue_rows.html", rows=rows), content_type="text/html",
                        charset="utf-8", headers={"Cache-Control": "no-store"})


def _loan_facts(case: dict) -> list[tuple[str, str]]:
    """The case page's summary table, label and value; empty before a loan is identified."""
    loan, summary = case.get("loan"), case.get("summary") or {}
    if not loan:
        return []
    b = loan["balances"]
    rows = [("Borrower", loan["borrower"]["full_name"]), ("Loan", loan["loan_id"]),
            ("Loan status", loan["status"]), ("Balance", _money(b["total"], loan["currency"])),
            ("Principal / interest / fees", f'{b["outstanding_principal"]} / {b["accrued_interest"]} / {b["late_fees"]}'),
            ("Due date", loan["due_date"]), ("Days overdue", (summary.get("loan") or {}).get("days_overdue")),
            ("Product", loan["product_code"]),
            ("Jurisdiction, time zone", f'{loan["borrower"]["jurisdiction"]}, {loan["borrower"]["timezone"]}'),
            ("Identity verified", "yes" if summary.get("verified") else "no"), ("Channel", case.get("channel") or "")]
    active = loan.get("active_arrangement")
    if active:
        rows.append(("Active arrangement", f'{active["kind"]} ({active["status"]})'))
    return [(k, str(v if v is not None else "")) for k, v in rows]


def _verification(lock: dict | None) -> dict | None:
    """Self-service verification of the case's loan: locked after repeated wrong
    dates of birth, which any agent may lift once they know who is writing."""
    if not lock:
        return None
    return {**lock, "until": _minute(lock["locked_until"]) if lock["locked"] else None}


def _offers(case: dict) -> list[dict]:
    """The bot's offers; a waiver of None or zero is not worth a mention."""
    return [{"kind": str(o.get("kind")), "schedule": o.get("schedule") or [],
             "waiver": str(o["waiver"]) if o.get("waiver") not in (None, "0", "0.00") else None}
            for o in case.get("offers") or []]


def _arrangement(case: dict) -> dict | None:
    """The figures the arrangement form states; None when no loan is known."""
    loan = case.get("loan")
    if not loan:
        return None
    return {"currency": loan["currency"], "balance": _money(loan["balances"]["total"], loan["currency"]),
            "product": loan["product_code"]}


async def case_page(request: web.Request) -> web.Response:
    try:
        cid = int(request.match_info["case_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    def read(session):
        found = views.handoff_case(session, cid)
        loan_id = ((found or {}).get("loan") or {}).get("loan_id")
        lock = lockout.loan_status(session, loan_id, verification_settings()) if loan_id else None
        return found, lock

    case, lock = await in_transaction(request, read)
    if case is None:
        return page(request, "console_missing.html", "No such case", status=404, case_id=cid)
    me, supervisor = actor(request), request["agent"]["role"] == "supervisor"
    held = case["status"] == "taken" and case["taken_by"] == me
    status_text = {"open": "open, not taken", "closed": f'closed ({case.get("outcome") or "closed"})'}.get(
        case["status"], f'taken by {(case["taken_by"] or "").removeprefix("agent:")}')
    summary = case.get("summary") or {}
    return page(
        request, "console_case.html", f"Case {cid}",
        case_id=cid, held=held, supervisor=supervisor, role=request["agent"]["role"], reason=case["reason"],
        case_status=case["status"], status_text=status_text, created=_minute(case["created_at"]),
        can_take=case["status"] == "open" or (case["status"] == "taken" and not held and supervisor),
        facts=_loan_facts(case), verified="yes" if summary.get("verified") else "no", lock=_verification(lock),
        last_message=summary.get("last_message") or "", timeline=_timeline(summary.get("timeline") or []),
        offers=_offers(case), arrangement=_arrangement(case) if held else None)


def add_routes(app: web.Application) -> None:
    app["login_limiter"] = auth.LoginLimiter()
    app.router.add_get("/console", queue_page)
    app.router.add_get("/console/", queue_page)
    app.router.add_get("/console/queue-rows", queue_fragment)
    app.router.add_get("/console/cases/{case_id}", case_page)
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
