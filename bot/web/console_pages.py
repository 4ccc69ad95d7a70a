"""The console's server-rendered pages: log in / out, queue, case.

This module only picks the values; the templates (templates/console_*.html,
rendered by render.py with autoescaping) turn every value from the database or
the borrower into text, and the JavaScript only ever inserts text with
textContent. Every word a page shows on its own comes from config/ui.yml in the
page's language (`texts`: ?lang=, else Accept-Language, else English). Pages get the same strict Content-Security-Policy as the chat
page, with connect-src limited to us.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.negotiation.money import fmt
from bot.config.ui_strings import languages, ui_strings
from bot.records import agents, db, views
from bot.records import verification as lockout
from bot.settings import verification as verification_settings

from . import console_auth as auth
from .api import in_transaction
from .console_api import QUEUE_STATUSES, actor, by_priority, with_extras
from .pages import page_headers, page_language, strings_json
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


def texts(request: web.Request) -> dict[str, str]:
    """The console's words in this request's language (config/ui.yml, group `console`)."""
    return ui_strings(page_language(request))["console"]


def lang_query(request: web.Request) -> str:
    """"?lang=zh" when the page's language came from ?lang=, so the console's own links,
    forms and queue refresh keep it; "" when it came from the browser, which sends it anyway."""
    asked = (request.query.get("lang") or "").strip().lower().split("-")[0]
    return f"?lang={asked}" if asked in languages() else ""


def page(request: web.Request, template: str, title: str, status: int = 200, **values) -> web.Response:
    """A console page: `template` extends console_base.html, which shows who is logged in."""
    t, lang = texts(request), page_language(request)
    text = render(template, title=title, lender=request.app["config"].lender_name, agent=request.get("agent"),
                  lang=lang, t=t, lang_query=lang_query(request), console_strings=strings_json(t), **values)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8",
                        headers={**headers(request), "Content-Language": lang, "Vary": "Accept-Language"})


def login_form(request: web.Request, message: str = "", username: str = "", status: int = 200) -> web.Response:
    return page(request, "console_login.html", texts(request)["login_title"], status, message=message,
                username=username)


async def login_page(request: web.Request) -> web.Response:
    if await auth.current_agent(request):
        raise web.HTTPFound("/console")
    return login_form(request)


async def login(request: web.Request) -> web.Response:
    try:
        form = await request.post()
    except ValueError:  # bytes that are not text in the declared charset, a broken multipart body
        return login_form(request, texts(request)["form_unreadable"], status=400)
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    limiter: auth.LoginLimiter = request.app["login_limiter"]
    wait = limiter.blocked_for(username)
    if wait:
        return login_form(request, texts(request)["too_many_attempts"].format(minutes=int(wait // 60) + 1),
                          username, status=429)
    factory = request.app["session_factory"]

    def attempt():
        with db.transaction(factory) as session:
            agent = agents.authenticate(session, username, password)
            return agents.create_session(session, agent) if agent else None

    token = await asyncio.to_thread(attempt)
    if token is None:
        limiter.failed(username)
        return login_form(request, texts(request)["wrong_password"], username, status=401)
    limiter.succeeded(username)
    response = web.HTTPSeeOther("/console" + lang_query(request))
    auth.set_session_cookie(request, response, token)
    raise response


async def logout(request: web.Request) -> web.Response:
    token = request.cookies.get(auth.COOKIE)
    factory = request.app["session_factory"]

    def end():
        with db.transaction(factory) as session:
            agents.end_session(session, token)

    await asyncio.to_thread(end)
    response = web.HTTPSeeOther(auth.LOGIN_PATH + lang_query(request))
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


def _loan_line(loan: dict | None, t: dict[str, str]) -> list[str]:
    """The parts of the queue's one-line loan summary (the template joins them)."""
    if not loan or not loan.get("loan_id"):
        return [t["loan_not_verified"]]
    money = _money(loan.get("total"), loan.get("currency"))
    overdue = loan.get("days_overdue")
    parts = [loan.get("loan_id"), money,
             loan.get("status"), t["days_overdue"].format(days=overdue) if overdue is not None else None]
    return [str(p) for p in parts if p]


def _timeline(items: list[dict], limit: int | None = None) -> list[dict]:
    """Every key the template reads, so StrictUndefined never meets a missing one."""
    items = items[-limit:] if limit else items
    return [{"intent": str(t.get("intent") or "?"), "emotion": t.get("emotion"), "text": t.get("text")}
            for t in items]


def _priority(case: dict, t: dict[str, str]) -> tuple[int, str]:
    """The case's priority and its label (ui.yml's priority_<level>, as console.js names them on
    the case page); an unknown level is shown as its number."""
    level = int(case.get("priority") or 0)
    return level, t.get(f"priority_{level}", str(level))


def queue_rows(cases: list[dict], me: str, t: dict[str, str]) -> list[dict]:
    """What console_queue_rows.html shows for each waiting case, in the order given."""
    rows = []
    for c in cases:
        s = c.get("summary") or {}
        level, label = _priority(c, t)
        rows.append({
            "id": c["id"], "status": c["status"], "mine": c["taken_by"] == me,
            "priority": level, "priority_text": label,
            "status_text": t["status_open"] if c["status"] == "open"
            else t["status_taken_by"].format(agent=c["taken_by"].removeprefix("agent:")),
            "created": _minute(c["created_at"]), "reason": c["reason"],
            "borrower": c.get("borrower_name") or t["unknown_borrower"], "loan": _loan_line(s.get("loan"), t),
            "verified": bool(s.get("verified")), "offers": _offers_line(c.get("offers") or [], t),
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


def _offers_line(offers: list[dict], t: dict[str, str]) -> str:
    if not offers:
        return t["no_offer"]
    last = offers[-1]
    kind = str(last.get("kind") or "offer").replace("_", " ")
    return t["offers_many" if len(offers) > 1 else "offers_one"].format(count=len(offers), kind=kind)


async def queue_page(request: web.Request) -> web.Response:
    t = texts(request)
    rows = queue_rows(await _queue_cases(request), actor(request), t)
    return page(request, "console_queue.html", t["queue"], rows=rows)


async def queue_fragment(request: web.Request) -> web.Response:
    t = texts(request)
    rows = queue_rows(await _queue_cases(request), actor(request), t)
    text = render("console_queue_rows.html", rows=rows, t=t, lang_query=lang_query(request))
    return web.Response(text=text, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Content-Language": page_language(request)})


def _loan_facts(case: dict, t: dict[str, str]) -> list[tuple[str, str]]:
    """The case page's summary table, label and value; empty before a loan is identified."""
    loan, summary = case.get("loan"), case.get("summary") or {}
    if not loan:
        return []
    b = loan["balances"]
    rows = [(t["fact_borrower"], loan["borrower"]["full_name"]), (t["fact_loan"], loan["loan_id"]),
            (t["fact_loan_status"], loan["status"]), (t["fact_balance"], _money(b["total"], loan["currency"])),
            (t["fact_parts"], f'{b["outstanding_principal"]} / {b["accrued_interest"]} / {b["late_fees"]}'),
            (t["fact_due_date"], loan["due_date"]),
            (t["fact_days_overdue"], (summary.get("loan") or {}).get("days_overdue")),
            (t["fact_product"], loan["product_code"]),
            (t["fact_place"], f'{loan["borrower"]["jurisdiction"]}, {loan["borrower"]["timezone"]}'),
            (t["fact_verified"], t["yes"] if summary.get("verified") else t["no"]),
            (t["fact_channel"], case.get("channel") or "")]
    active = loan.get("active_arrangement")
    if active:
        rows.append((t["fact_arrangement"], f'{active["kind"]} ({active["status"]})'))
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
    t = texts(request)
    if case is None:
        return page(request, "console_missing.html", t["missing_title"], status=404, case_id=cid)
    me, supervisor = actor(request), request["agent"]["role"] == "supervisor"
    held = case["status"] == "taken" and case["taken_by"] == me
    status_text = {"open": t["status_open_not_taken"],
                   "closed": t["status_closed"].format(outcome=case.get("outcome") or t["outcome_closed"])}.get(
        case["status"], t["status_taken_by"].format(agent=(case["taken_by"] or "").removeprefix("agent:")))
    summary = case.get("summary") or {}
    return page(
        request, "console_case.html", t["case_title"].format(id=cid),
        case_id=cid, held=held, supervisor=supervisor, role=request["agent"]["role"], reason=case["reason"],
        case_status=case["status"], status_text=status_text, created=_minute(case["created_at"]),
        can_take=case["status"] == "open" or (case["status"] == "taken" and not held and supervisor),
        facts=_loan_facts(case, t), verified=t["yes"] if summary.get("verified") else t["no"], lock=_verification(lock),
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
