"""The console's server-rendered pages: log in / out, queue, case.

Every value from the database or the borrower is HTML-escaped here; the
JavaScript only ever inserts text with textContent. Pages get the same strict
Content-Security-Policy as the chat page, with connect-src limited to us.
"""
from __future__ import annotations

import asyncio
import html
from pathlib import Path
from string import Template

from aiohttp import web

from bot.negotiation.money import fmt
from bot.records import agents, db, views
from bot.records import verification as lockout
from bot.settings import verification as verification_settings

from . import console_auth as auth
from .api import in_transaction
from .console_api import QUEUE_STATUSES, actor
from .pages import page_headers

TEMPLATES = Path(__file__).resolve().parent / "templates"
e = html.escape


def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def headers(request: web.Request) -> dict[str, str]:
    found = page_headers(request.app["config"])
    found["Content-Security-Policy"] = found["Content-Security-Policy"].replace(
        next(p for p in found["Content-Security-Policy"].split("; ") if p.startswith("connect-src")),
        "connect-src 'self'")
    # With no-referrer, Chromium sends "Origin: null" on form POSTs and the
    # origin check (console_auth.same_origin) would refuse our own login form.
    found["Referrer-Policy"] = "same-origin"
    return found


def page(request: web.Request, title: str, body: str, status: int = 200) -> web.Response:
    agent = request.get("agent")
    who = ""
    if agent:
        who = (f'<form class="who" method="post" action="/console/logout"><span>{e(agent["username"])} '
               f'({e(agent["role"])})</span> <button type="submit">Log out</button></form>')
    text = _template("console_base.html").substitute(
        title=e(title), lender=e(request.app["config"].lender_name), who=who, body=body)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers=headers(request))


def login_form(request: web.Request, message: str = "", username: str = "", status: int = 200) -> web.Response:
    note = f'<p class="error" role="alert">{e(message)}</p>' if message else ""
    return page(request, "Log in", _template("console_login.html").substitute(message=note, username=e(username)),
                status)


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


def _loan_line(loan: dict | None) -> str:
    if not loan or not loan.get("loan_id"):
        return "not verified yet"
    money = _money(loan.get("total"), loan.get("currency"))
    parts = [loan.get("loan_id"), money,
             loan.get("status"), f'{loan["days_overdue"]} days overdue' if loan.get("days_overdue") is not None else None]
    return " · ".join(e(str(p)) for p in parts if p)


def _timeline(items: list[dict], limit: int | None = None) -> str:
    items = items[-limit:] if limit else items
    return "".join(
        f'<li><span class="intent">{e(str(t.get("intent") or "?"))}</span>'
        f'{" <span class=emotion>" + e(str(t["emotion"])) + "</span>" if t.get("emotion") else ""}'
        f'{" <q>" + e(str(t["text"])) + "</q>" if t.get("text") else ""}</li>'
        for t in items)


def queue_rows(cases: list[dict], me: str) -> str:
    if not cases:
        return '<tr><td colspan="6" class="empty">No one is waiting.</td></tr>'
    rows = []
    for c in cases:
        s = c.get("summary") or {}
        status = "open" if c["status"] == "open" else f'taken by {c["taken_by"].removeprefix("agent:")}'
        if c["status"] == "open":
            action = f'<button type="button" class="take" data-case-id="{c["id"]}">Take case {c["id"]}</button>'
        elif c["taken_by"] == me:
            action = f'<a class="button" href="/console/cases/{c["id"]}">Continue case {c["id"]}</a>'
        else:
            action = ""
        who = e(c.get("borrower_name") or "unknown borrower")
        rows.append(
            f'<tr data-case-id="{c["id"]}" class="case-row status-{e(c["status"])}">'
            f'<th scope="row"><a href="/console/cases/{c["id"]}">#{c["id"]}</a>'
            f'<br><span class="when">{e(c["created_at"][:16].replace("T", " "))} UTC</span></th>'
            f'<td class="reason">{e(c["reason"])}</td>'
            f'<td>{who}<br><span class="loan">{_loan_line(s.get("loan"))}</span>'
            f'{"" if s.get("verified") else "<br><em>identity not verified</em>"}'
            f'<br><span class="loan">{e(_offers_line(c.get("offers") or []))}'
            f'{", pending" if s.get("pending_offer") else ""}</span></td>'
            f'<td><ol class="timeline compact">{_timeline(s.get("timeline") or [], 4)}</ol></td>'
            f'<td class="asked">{e(s.get("last_message") or "")}</td>'
            f'<td>{e(status)}<br>{action}</td></tr>')
    return "\n".join(rows)


async def _queue_cases(request: web.Request) -> list[dict]:
    def work(session):
        cases = views.open_handoffs(session, QUEUE_STATUSES)
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
    return page(request, "Queue", _template("console_queue.html").substitute(rows=rows))


async def queue_fragment(request: web.Request) -> web.Response:
    rows = queue_rows(await _queue_cases(request), actor(request))
    return web.Response(text=rows, content_type="text/html", charset="utf-8", headers={"Cache-Control": "no-store"})


def _loan_table(case: dict) -> str:
    loan, summary = case.get("loan"), case.get("summary") or {}
    verified = "yes" if summary.get("verified") else "no"
    if not loan:
        return f'<p>No loan identified yet. Identity verified: {verified}.</p>'
    b = loan["balances"]
    rows = [("Borrower", loan["borrower"]["full_name"]), ("Loan", loan["loan_id"]),
            ("Loan status", loan["status"]), ("Balance", _money(b["total"], loan["currency"])),
            ("Principal / interest / fees", f'{b["outstanding_principal"]} / {b["accrued_interest"]} / {b["late_fees"]}'),
            ("Due date", loan["due_date"]), ("Days overdue", (summary.get("loan") or {}).get("days_overdue")),
            ("Product", loan["product_code"]),
            ("Jurisdiction, time zone", f'{loan["borrower"]["jurisdiction"]}, {loan["borrower"]["timezone"]}'),
            ("Identity verified", verified), ("Channel", case.get("channel") or "")]
    active = loan.get("active_arrangement")
    if active:
        rows.append(("Active arrangement", f'{active["kind"]} ({active["status"]})'))
    cells = "".join(f"<tr><th scope=\"row\">{e(k)}</th><td>{e(str(v if v is not None else ''))}</td></tr>"
                    for k, v in rows)
    return f'<table class="kv">{cells}</table>'


def _verification(lock: dict | None) -> str:
    """Self-service verification of the case's loan: locked after repeated wrong
    dates of birth, which any agent may lift once they know who is writing."""
    if not lock:
        return ""
    if not lock["locked"]:
        return (f'<p class="verification">Self-service verification: open ({lock["failures"]} of '
                f'{lock["max_failures"]} failed tries in {lock["window_hours"]} h).</p>')
    until = str(lock["locked_until"])[:16].replace("T", " ")
    return (f'<div class="verification locked" role="status"><p>Self-service verification is '
            f'<strong>locked</strong> until {e(until)} UTC after repeated wrong dates of birth.</p>'
            f'<button type="button" id="unlock-verification" data-loan-id="{e(lock["loan_id"])}">'
            'Unlock verification</button> <span class="hint">Only once you have confirmed who the borrower is '
            'another way; the unlock is audited under your name.</span>'
            '<div id="unlock-result" class="result" role="alert"></div></div>')


def _offers(case: dict) -> str:
    offers = list(case.get("offers") or [])
    if not offers:
        return "<p>None.</p>"
    items = []
    for o in offers:
        sched = "; ".join(f"{d}: {a}" for d, a in o.get("schedule") or [])
        items.append(f'<li><strong>{e(str(o.get("kind")))}</strong> {e(sched)}'
                     f'{" (waiver " + e(str(o["waiver"])) + ")" if o.get("waiver") not in (None, "0", "0.00") else ""}</li>')
    return f'<ul class="offers">{"".join(items)}</ul>'


def _arrangement(case: dict, supervisor: bool) -> str:
    loan = case.get("loan")
    if not loan:
        return ""
    override = ""
    if supervisor:
        override = ('<label for="arr-override">Override reason (supervisor; needed only outside the limits)</label>'
                    '<textarea id="arr-override" name="override_reason" rows="2" maxlength="500"></textarea>')
    return _template("console_arrangement.html").substitute(
        currency=e(loan["currency"]), balance=e(_money(loan["balances"]["total"], loan["currency"])), product=e(loan["product_code"]),
        supervisor_hint="" if supervisor else "; outside them only a supervisor may record", override=override)


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
        return page(request, "No such case", f"<h1>No case {cid}</h1><p><a href=\"/console\">Back to the queue</a></p>",
                    status=404)
    me, supervisor = actor(request), request["agent"]["role"] == "supervisor"
    held = case["status"] == "taken" and case["taken_by"] == me
    status_text = {"open": "open, not taken", "closed": f'closed ({case.get("outcome") or "closed"})'}.get(
        case["status"], f'taken by {(case["taken_by"] or "").removeprefix("agent:")}')
    take = ""
    if case["status"] == "open" or (case["status"] == "taken" and not held and supervisor):
        label = "Take this case" if case["status"] == "open" else "Take over this case"
        take = f'<button type="button" class="take" data-case-id="{cid}" data-stay="1">{label}</button>'
    finish = ""
    if held:
        finish = ('<section aria-labelledby="fin-h"><h2 id="fin-h">Finish</h2><div class="row">'
                  '<button type="button" id="hand-back">Hand back to the bot</button>'
                  '<button type="button" id="close-case" class="secondary">Close the case</button></div>'
                  '<p class="hint">Both let the bot answer the borrower\'s next message again.</p>'
                  '<div id="finish-result" class="result" role="alert"></div></section>')
    summary = case.get("summary") or {}
    body = _template("console_case.html").substitute(
        case_id=cid, held="1" if held else "0", role=e(request["agent"]["role"]), reason=e(case["reason"]),
        status_text=e(status_text), created=e(case["created_at"][:16].replace("T", " ") + " UTC"), take=take,
        disabled="" if held else "disabled", loan=_loan_table(case) + _verification(lock),
        last_message=e(summary.get("last_message") or ""), timeline=_timeline(summary.get("timeline") or []),
        offers=_offers(case), arrangement=_arrangement(case, supervisor) if held else "", finish=finish)
    return page(request, f"Case {cid}", body)


def add_routes(app: web.Application) -> None:
    app["login_limiter"] = auth.LoginLimiter()
    app.router.add_get("/console", queue_page)
    app.router.add_get("/console/", queue_page)
    app.router.add_get("/console/queue-rows", queue_fragment)
    app.router.add_get("/console/cases/{case_id}", case_page)
    app.router.add_get("/console/login", login_page)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
