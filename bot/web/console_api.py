"""The console's JSON API (/console/api/*), used by static/console.js.

console_auth.console_guard has already checked the session (request["agent"]),
the origin and the CSRF header. Each handler validates, makes its database
calls in one transaction in a worker thread, and talks to Rasa for the
conversation itself. An agent acts only on a case they hold (took).
"""
from __future__ import annotations


from aiohttp import web

import bot.compliance as compliance
from bot import clock
from bot.negotiation import limits as product_limits
from bot.negotiation.plans import validate as validate_offer
from bot.records import audit, handoffs, queries, views, writes
from bot.records.errors import NotFound, RecordError

from . import console_rules as rules
from . import validate
from .api import in_transaction
from .jsonio import error, ok
from .rasa_client import RasaError, messages

QUEUE_STATUSES = ("open", "taken")
# Handing back clears the slots of the bot's thin layer (bot/dialogue/during_handoff.py), so
# the full bot answers the next message. Rasa is no longer paused by a hand-off; `resume`
# stays for conversations paused before that, and is a no-op otherwise.
RESUME_EVENTS = [{"event": "resume"}, {"event": "slot", "name": "handed_off", "value": False},
                 {"event": "slot", "name": "handoff_taken", "value": False},
                 {"event": "slot", "name": "handoff_acknowledged", "value": False},
                 {"event": "slot", "name": "handoff_intent", "value": None},
                 {"event": "action", "name": "action_listen"}]
# Taking a case tells the thin layer a person is answering: it stops acknowledging
# (self-harm, how to pay and identity are still answered).
TAKEN_EVENTS = [{"event": "slot", "name": "handoff_taken", "value": True}]


def actor(request: web.Request) -> str:
    return f"agent:{request['agent']['username']}"


def is_supervisor(request: web.Request) -> bool:
    return request["agent"]["role"] == "supervisor"


def case_id(request: web.Request) -> int:
    try:
        return int(request.match_info["case_id"])
    except ValueError:
        raise web.HTTPNotFound() from None


async def body(request: web.Request) -> dict:
    """The JSON object, parsed as strictly as the admin API's (validate.json_object)."""
    try:
        return validate.json_object(await request.read())
    except validate.BadRequest as exc:
        raise rules.BadRequest(str(exc)) from None


async def load_case(request: web.Request, held: bool = True) -> dict:
    """The case as views.handoff_case; `held`: the caller must hold it (409 otherwise)."""
    cid = case_id(request)
    case = await in_transaction(request, lambda s: views.handoff_case(s, cid))
    if case is None:
        raise web.HTTPNotFound(reason=f"no case {cid}")
    if held and (case["status"] != "taken" or case["taken_by"] != actor(request)):
        what = "closed" if case["status"] == "closed" else (
            f"held by {case['taken_by']}" if case["taken_by"] else "not taken")
        raise web.HTTPConflict(reason=f"case {cid} is {what}; take it first")
    return case


def short(case: dict) -> dict:
    """The queue row: who, why, how much, what they said."""
    summary = case.get("summary") or {}
    timeline = summary.get("timeline") or []
    return {
        **{k: case[k] for k in ("id", "status", "reason", "loan_id", "borrower_name", "taken_by",
                                "created_at", "channel")},
        "loan": summary.get("loan"),
        "verified": bool(summary.get("verified")),
        "timeline": [{"intent": t.get("intent"), "emotion": t.get("emotion")} for t in timeline[-6:]],
        "pending_offer": summary.get("pending_offer"),
        "last_message": summary.get("last_message"),
    }


async def me(request: web.Request) -> web.Response:
    return ok(request["agent"])


def with_extras(session, cases: list[dict]) -> list[dict]:
    """Each case with what the bot's thin layer added: priority, escalation, the messages meanwhile."""
    extras = handoffs.case_extras(session, [c["id"] for c in cases])
    return [{**c, **extras.get(c["id"], {})} for c in cases]


def by_priority(cases: list[dict]) -> list[dict]:
    """Highest priority first (self-harm risk on top), oldest first within a priority."""
    return sorted(cases, key=lambda c: -(c.get("priority") or 0))  # stable: keeps the oldest-first order


async def queue(request: web.Request) -> web.Response:
    def work(session):
        cases = with_extras(session, views.open_handoffs(session, QUEUE_STATUSES))
        offers = views.offers_made(session, [c["conversation_id"] for c in cases])
        return [{**short(c), "priority": c.get("priority", 0), "escalated_at": c.get("escalated_at"),
                 "offers": offers[c["conversation_id"]]} for c in by_priority(cases)]

    return ok({"cases": await in_transaction(request, work)})


async def case(request: web.Request) -> web.Response:
    cid = case_id(request)

    def work(session):
        found = views.handoff_case(session, cid)
        return with_extras(session, [found])[0] if found else None

    found = await in_transaction(request, work)
    if found is None:
        raise web.HTTPNotFound(reason=f"no case {cid}")
    return ok(found)


async def take(request: web.Request) -> web.Response:
    current = await load_case(request, held=False)
    try:
        tracker = await request.app["rasa"].tracker(current["conversation_id"])
        channel = tracker.get("latest_input_channel")
    except RasaError:
        channel = None  # taking a case must not depend on Rasa being up
    who, supervisor = actor(request), is_supervisor(request)
    if current["status"] == "taken" and current["taken_by"] != who and not supervisor:
        return error(403, f"case {current['id']} is held by {current['taken_by']}; only a supervisor may take it over")

    def work(session):
        handoffs.take_handoff(session, current["id"], actor=who, channel=channel, may_take_over=supervisor)
        return views.handoff_case(session, current["id"])

    taken = await in_transaction(request, work)
    try:
        await request.app["rasa"].append(current["conversation_id"], TAKEN_EVENTS)
    except RasaError:
        pass  # the bot keeps acknowledging until Rasa is back; the case is taken all the same
    return ok(taken)


async def conversation(request: web.Request) -> web.Response:
    current = await load_case(request, held=False)
    try:
        after = max(int(request.query.get("after", "0")), 0)
    except ValueError:
        return error(400, "after: an event index")
    tracker = await request.app["rasa"].tracker(current["conversation_id"])
    events = tracker.get("events") or []
    slots = tracker.get("slots") or {}
    # `handed_off`: the bot's thin layer answers (self-harm, how to pay, identity; it acknowledges
    # other messages until the case is taken). `paused`: Rasa's own pause, only on conversations
    # handed off before the thin layer existed.
    return ok({"messages": messages(tracker, after), "next": len(events),
               "handed_off": bool(slots.get("handed_off")), "taken": bool(slots.get("handoff_taken")),
               "paused": bool(tracker.get("paused")), "channel": tracker.get("latest_input_channel"),
               "status": current["status"]})


async def reply(request: web.Request) -> web.Response:
    text = rules.reply_text(await body(request))
    current = await load_case(request)
    rasa = request.app["rasa"]
    tracker = await rasa.tracker(current["conversation_id"])
    channel = tracker.get("latest_input_channel") or current.get("channel") or "rest"
    context = rules.reply_context(text, case=current, tracker_slots=tracker.get("slots") or {}, channel=channel)
    decision = compliance.check_outbound(text, context)
    who = actor(request)
    where = {"loan_id": current["loan_id"], "borrower_id": current["borrower_id"],
             "conversation_id": current["conversation_id"]}
    if not decision.allowed:
        await in_transaction(request, lambda s: audit.append(
            s, actor=who, kind="compliance_decision", **where,
            payload={"source": "console", "handoff_id": current["id"], "text": text, "channel": channel,
                     **decision.as_dict()}))
        return ok({"sent": False, **decision.as_dict()}, status=422)
    name = request["agent"]["username"]
    await rasa.append(current["conversation_id"], [{"event": "bot", "text": text, "metadata": {"agent": name}}],
                      deliver=True)
    await in_transaction(request, lambda s: audit.append(
        s, actor=who, kind="message_out", **where,
        payload={"source": "console", "handoff_id": current["id"], "text": text, "channel": channel,
                 "compliance": decision.as_dict()}))
    return ok({"sent": True, "channel": channel, **decision.as_dict()})


def _check_limits(session, loan_id: str, form: rules.ArrangementForm, products_path) -> tuple[list[str], str]:
    loan = queries.find_loan(session, loan_id)
    if loan is None:
        raise NotFound(f"no loan {loan_id!r}")
    product = product_limits.load_products(products_path).get(loan.product_code)
    if product is None:
        return [f"product: {loan.product_code} has no limits in products.yml"], ""
    today = clock.local_today(loan.borrower.timezone)
    problems = validate_offer(
        form.offer, balance=queries.balance(loan), fees_and_interest=loan.accrued_interest + loan.late_fees,
        currency=loan.currency, limits=product_limits.limits_for(product, form.offer.hardship), today=today,
        arrangements_so_far=len(loan.arrangements),
    )
    return problems, product.version


async def arrangement(request: web.Request) -> web.Response:
    form = rules.arrangement_form(await body(request))
    current = await load_case(request)
    if not current["loan_id"]:
        return error(409, "this case has no verified loan; an arrangement needs one")
    who, supervisor = actor(request), is_supervisor(request)
    products_path = request.app["config"].products_path

    def work(session):
        problems, version = _check_limits(session, current["loan_id"], form, products_path)
        if problems and not supervisor:
            return 403, {"error": "outside this product's limits: only a supervisor may record it",
                         "problems": problems}
        if problems and not form.override_reason:
            return 400, {"error": "outside the limits: give the reason for the override", "problems": problems}
        recorded = writes.record_arrangement(
            session, loan_id=current["loan_id"], kind=form.kind,
            schedule=[(i.due, i.amount) for i in form.offer.schedule],
            terms={"offer_kind": form.offer.kind, "waiver": str(form.offer.waiver), "hardship": form.offer.hardship,
                   "product_version": version, "conversation_id": current["conversation_id"],
                   "handoff_id": current["id"], "override": bool(problems),
                   "override_reason": form.override_reason if problems else None, "problems": problems},
            actor=who, idempotency_key=f"console:{current['id']}:{form.key}",
            hardship_reason=form.hardship_reason or None,
        )
        if problems:
            audit.append(session, actor=who, kind="limits_override", loan_id=current["loan_id"],
                         borrower_id=current["borrower_id"], conversation_id=current["conversation_id"],
                         payload={"arrangement_id": recorded.id, "problems": problems,
                                  "reason": form.override_reason, "handoff_id": current["id"]})
        return 201, {"arrangement": queries.arrangement_dict(recorded), "override": bool(problems),
                     "problems": problems}

    try:
        status, data = await in_transaction(request, work)
    except product_limits.ProductConfigError as exc:
        return error(500, f"configuration error: {exc}")
    except RecordError as exc:
        return error(400, str(exc))
    return ok(data, status=status)


async def finish(request: web.Request, outcome: str) -> web.Response:
    """Both outcomes give the conversation back to the full bot: the thin layer's
    slots are cleared, so the borrower's next message is negotiated again.

    The trailing action_listen (and `resume`) matter only for a conversation
    paused before the thin layer existed: its last action is the hand-off
    action (Rasa stops predicting when paused), and a policy that only answers
    a user turn following action_listen would otherwise stay silent.
    """
    current = await load_case(request)
    await request.app["rasa"].append(current["conversation_id"], RESUME_EVENTS)
    who = actor(request)

    def work(session):
        handoffs.finish_handoff(session, current["id"], actor=who, outcome=outcome)
        return views.handoff_case(session, current["id"])

    return ok(await in_transaction(request, work))


async def hand_back(request: web.Request) -> web.Response:
    return await finish(request, "handed_back")


async def close(request: web.Request) -> web.Response:
    return await finish(request, "closed")


def errors_as_json(handler):
    async def wrapped(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except rules.BadRequest as exc:
            return error(400, str(exc))
        except RasaError as exc:
            return error(502, str(exc))
        except NotFound as exc:
            return error(404, str(exc))
    return wrapped


def add_routes(app: web.Application) -> None:
    r, w = app.router, errors_as_json
    r.add_get("/console/api/me", w(me))
    r.add_get("/console/api/queue", w(queue))
    r.add_get("/console/api/cases/{case_id}", w(case))
    r.add_get("/console/api/cases/{case_id}/conversation", w(conversation))
    r.add_post("/console/api/cases/{case_id}/take", w(take))
    r.add_post("/console/api/cases/{case_id}/reply", w(reply))
    r.add_post("/console/api/cases/{case_id}/arrangement", w(arrangement))
    r.add_post("/console/api/cases/{case_id}/hand-back", w(hand_back))
    r.add_post("/console/api/cases/{case_id}/close", w(close))
