"""The console's view of a loan's verification lock, and lifting it (/console/api/loans/{loan_id}/verification).

Five wrong dates of birth lock self-service verification of a loan
(bot/records/verification.py). A real borrower locked out calls the lender;
once an agent has confirmed who they are another way, the agent lifts the lock
here so the borrower can verify in the chat again. Any logged-in agent or
supervisor may; the lift is audited under their name. console_auth.console_guard
has already checked the session, the origin and the CSRF header.
"""
from __future__ import annotations

from aiohttp import web

from bot.records import verification as lockout
from bot.records.errors import NotFound
from bot.settings import verification as verification_settings

from . import console_rules as rules
from .api import in_transaction
from .console_api import actor, body, errors_as_json
from .jsonio import ok

MAX_LOAN_ID = 64


def loan_id(request: web.Request) -> str:
    value = request.match_info["loan_id"]
    if not value or len(value) > MAX_LOAN_ID:
        raise NotFound(f"no loan {value[:MAX_LOAN_ID]!r}")
    return value


async def unlock_reason(request: web.Request) -> str | None:
    """The optional {"reason": "..."}: how the agent confirmed who the borrower is."""
    if not request.can_read_body:
        return None
    data = await body(request)
    unknown = sorted(set(data) - {"reason"})
    if unknown:
        raise rules.BadRequest(f"{unknown[0]}: not a field here (only reason)")
    reason = data.get("reason")
    if reason is None:
        return None
    if not isinstance(reason, str) or not reason.strip() or len(reason) > lockout.MAX_REASON:
        raise rules.BadRequest(f"reason: text of 1 to {lockout.MAX_REASON} characters")
    return reason.strip()


def _status(session, wanted: str) -> dict:
    status = lockout.loan_status(session, wanted, verification_settings())
    if status is None:
        raise NotFound(f"no loan {wanted!r}")
    return status


async def status(request: web.Request) -> web.Response:
    wanted = loan_id(request)
    return ok(await in_transaction(request, lambda s: _status(s, wanted)))


async def unlock(request: web.Request) -> web.Response:
    wanted, reason, who = loan_id(request), await unlock_reason(request), actor(request)

    def work(session):
        lifted = lockout.lift(session, "loan", wanted, actor=who, reason=reason)
        return {"lifted": len(lifted), "verification": _status(session, wanted)}

    return ok(await in_transaction(request, work))


def add_routes(app: web.Application) -> None:
    verification_settings()  # a broken `verification:` section stops the server at start, naming the key
    r, w = app.router, errors_as_json
    r.add_get("/console/api/loans/{loan_id}/verification", w(status))
    r.add_post("/console/api/loans/{loan_id}/verification/unlock", w(unlock))
