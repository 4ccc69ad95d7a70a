"""A loan's life through the real stack on a moved clock: reminder and contact by SMS, the borrower
answering by SMS, an instalment plan, an instalment not paid on its day and the nudge, payment
callbacks, the plan kept and the thank-you; and a loan going to legal review in the console's queue.

Rasa, the action server and the web server run as `make run` starts them, reading the time from
BOT_NOW_FILE; the campaign job runs in this process (the function the Huey task calls), sending
through the real Twilio adapter to a local fake of Twilio's API. The borrower's SMS reach Rasa as
Twilio delivers them: a signed form on the channel's webhook.
"""
from __future__ import annotations

import json
import re
import secrets
import time
import urllib.request
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from bot.campaigns.run import run
from bot.channels.providers.twilio import compute_signature
from bot.channels.sms_config import credentials_with_sms
from bot.records import agents, db
from bot.web.payment_signature import header_value
from tests.conftest import MODEL, ROOT, free_port, get_json
from tests.support.fake_providers import SID, TOKEN, FakeProviders

PHONE, LOAN, REVIEW = "+254711000001", "LN-30001", "LN-30002"
PAYMENT_SECRET = "e2e-payment-secret-" + secrets.token_hex(8)
HEADER = ("loan_id,borrower_id,full_name,phone,date_of_birth,timezone,jurisdiction,currency,principal,"
          "outstanding_principal,accrued_interest,late_fees,due_date,product_code,email,telegram_user_id,language")
ROWS = [
    f"{LOAN},BR-E2E-1,Neema Wanjiru,{PHONE},1991-04-17,Africa/Nairobi,KE,KES,4000.00,3000.00,0.00,0.00,"
    "2027-01-05,WALLET-30,,,en",
    # 100 days overdue and never heard from: the legal-review trigger (90 days without contact).
    f"{REVIEW},BR-E2E-2,Otieno Kamau,+254711000002,1985-02-03,Africa/Nairobi,KE,KES,9000.00,8000.00,0.00,"
    "0.00,2026-09-27,WALLET-30,,,en",
]


class World:
    """The stack, the fake provider, the clock file, and the job's own view of the database."""

    def __init__(self, stack, fake, clock_file, factory):
        self.stack, self.fake, self.clock_file, self.factory = stack, fake, clock_file, factory

    def at(self, moment: str) -> datetime:
        self.clock_file.write_text(moment)
        return datetime.fromisoformat(moment).astimezone(timezone.utc)

    def campaign(self, moment: str):
        return run(self.factory, self.at(moment), loan_ids=[LOAN, REVIEW])

    def texts_to(self, phone: str) -> list[dict]:
        return [m for m in self.fake.sent("twilio") if m["form"]["To"] == phone]

    def say(self, text: str) -> str:
        """The borrower's SMS, delivered the way Twilio delivers it; the bot's answer, from the fake."""
        before = len(self.texts_to(PHONE))
        url = self.stack.rasa_url + "/webhooks/twilio/webhook"
        form = {"MessageSid": "SM" + secrets.token_hex(16), "AccountSid": SID, "From": PHONE,
                "To": "+15550006666", "Body": text, "NumMedia": "0"}
        answer = requests.post(url, data=form, timeout=120, headers={
            "X-Twilio-Signature": compute_signature(TOKEN, self.twilio_url, form)})
        assert answer.status_code == 200, answer.text
        return "\n".join(m["form"]["Body"] for m in self.texts_to(PHONE)[before:])

    def pay(self, reference: str, amount: str, moment: str) -> dict:
        """The provider's signed callback for a payment made at `moment` (the clock moves there)."""
        self.at(moment)
        body = json.dumps({"reference": reference, "loan_id": LOAN, "amount": amount, "currency": "KES",
                           "paid_at": moment}).encode()
        answer = requests.post(self.stack.web_url + "/api/payments", data=body, timeout=30, headers={
            "Content-Type": "application/json",
            "X-Payment-Signature": header_value(PAYMENT_SECRET, int(time.time()), body)})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def loan(self, loan_id: str = LOAN) -> dict:
        status, loan = get_json(self.stack.web_url + f"/api/loans/{loan_id}",
                                headers={"Authorization": f"Bearer {self.stack.admin_token}"})
        assert status == 200
        return loan


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from bot.launch import start
    from bot.records.cli import main as records_cli

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: `make test` trains it first (or run `make train`)")
    var = tmp_path_factory.mktemp("campaign_stack")
    fake = FakeProviders().start()
    clock_file = var / "now"
    clock_file.write_text("2027-01-01T06:00:00+00:00")
    database_url = f"sqlite:///{var / 'bot.db'}"
    (var / "portfolio.csv").write_text("\n".join([HEADER, *ROWS]) + "\n")
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    twilio_url = "https://bot.example.invalid/webhooks/twilio/webhook"
    env = {"DATABASE_URL": database_url, "BOT_NOW_FILE": str(clock_file), "TWILIO_BASE_URL": fake.base_url,
           "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_SMS_FROM": "+15550006666",
           "TWILIO_WEBHOOK_URL": twilio_url, "PAYMENT_WEBHOOK_SECRET": PAYMENT_SECRET,
           "TWILIO_STATUS_CALLBACK_URL": f"http://127.0.0.1:{ports['web']}/webhooks/providers/twilio/status"}
    mp = pytest.MonkeyPatch()
    for name, value in env.items():
        mp.setenv(name, value)
    for name in ("BOT_NOW", "SMTP_HOST", "AT_API_KEY", "TELEGRAM_TOKEN", "TWILIO_WHATSAPP_FROM"):
        mp.delenv(name, raising=False)
    assert records_cli(["import", str(var / "portfolio.csv")]) == 0
    credentials = credentials_with_sms(ROOT / "credentials.yml", var / "credentials.yml", env)
    stack = start(model=MODEL, database_url=database_url, tracker_url=f"sqlite:///{var / 'tracker.db'}",
                  var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports, credentials=credentials)
    engine = db.make_engine(database_url)
    w = World(stack, fake, clock_file, db.make_session_factory(engine))
    w.twilio_url = twilio_url
    yield w
    stack.stop()
    engine.dispose()
    fake.stop()
    mp.undo()


def steps_sent(world: World) -> list[str]:
    return [h["step"] for h in world.loan()["contact_history"] if h["status"] in ("sent", "delivered")]


def test_reminder_contact_sms_reply_plan_nudge_payments_kept_and_thanks(world):
    # D-3 in Nairobi, 10:30: the reminder goes out by SMS, saying nothing about the debt.
    world.campaign("2027-01-02T10:30:00+03:00")
    [reminder] = world.texts_to(PHONE)
    assert "Tawi" in reminder["form"]["Body"] and not re.search(r"\d[\d,]*\.\d\d|KES", reminder["form"]["Body"])
    assert reminder["form"]["StatusCallback"].endswith("/webhooks/providers/twilio/status")
    assert world.fake.twilio_status(reminder["id"], "delivered", reminder["form"]["StatusCallback"]).status_code == 200
    assert world.loan()["contact_history"][0]["status"] == "delivered"
    assert world.loan()["stage"] == "reminder"

    # D+1: overdue; the first contact message; the borrower answers it by SMS and agrees a plan.
    world.campaign("2027-01-06T10:30:00+03:00")
    assert steps_sent(world) == ["reminder_d-3", "contact_d+1"]
    assert world.loan()["stage"] == "contact"
    world.say("hi, I got your message")
    assert "3,000.00" in world.say(f"my loan number is {LOAN} and my date of birth is 17 April 1991")
    offer = world.say("can I split it into 3 payments")
    dated = [line for line in offer.splitlines() if re.match(r"\s*\d+\. \w{3} \d{1,2} \w{3} 2027:", line)]
    assert len(dated) == 3, offer  # on the moved clock: January 2027, not the machine's date
    assert "1. Yes, set it up" in offer  # SMS has no buttons: numbered choices
    assert "recorded" in world.say("yes please").lower()
    loan = world.loan()
    schedule = loan["active_arrangement"]["schedule"]
    assert loan["status"] == "in_arrangement" and len(schedule) == 3
    assert [i["state"] for i in loan["instalments"]] == ["due", "due", "due"]
    assert sum(Decimal(i["amount"]) for i in schedule) == Decimal("3000.00")

    # The first instalment's day passes unpaid: the next day, inside the grace days, one nudge.
    first = date.fromisoformat(schedule[0]["due_date"])
    world.campaign(f"{first + timedelta(days=1)}T10:30:00+03:00")
    assert steps_sent(world)[-1] == "upkeep_late_d+1"
    assert "Just checking in" in world.texts_to(PHONE)[-1]["form"]["Body"]
    assert world.loan()["stage"] == "negotiation"

    # It is paid the day after (within grace); then the others on their days: the plan is kept.
    paid = world.pay("MPESA-E2E-1", schedule[0]["amount"], f"{first + timedelta(days=2)}T09:00:00+03:00")
    assert [i["state"] for i in paid["instalments"]][0] == "paid"
    for n, instalment in enumerate(schedule[1:], start=2):
        on = date.fromisoformat(instalment["due_date"])
        world.campaign(f"{on - timedelta(days=1)}T10:30:00+03:00")  # the reminder the day before
        world.pay(f"MPESA-E2E-{n}", instalment["amount"], f"{on}T09:00:00+03:00")
        world.campaign(f"{on}T10:30:00+03:00")
    loan = world.loan()
    assert loan["status"] == "paid" and loan["past_arrangements"][-1]["status"] == "kept"
    assert [i["state"] for i in loan["instalments"]] == ["paid", "paid", "paid"]
    assert loan["stage"] == "follow_up"
    sent = steps_sent(world)
    assert "upkeep_paid" in sent and sent[-1] == "follow_up_thanks", sent
    assert "Thank you" in world.texts_to(PHONE)[-1]["form"]["Body"]
    # Every text that went out was checked by the guard and audited with its words.
    status, trail = get_json(world.stack.web_url + f"/api/loans/{LOAN}/audit",
                             headers={"Authorization": f"Bearer {world.stack.admin_token}"})
    campaign_out = [e for e in trail["entries"] if e["kind"] == "message_out" and e["payload"].get("source") == "campaign"]
    assert len(campaign_out) == len(sent)

    # The optional satisfaction question follows (moved by the weekly cap if need be); its answer is recorded.
    paid_off = date.fromisoformat(schedule[-1]["due_date"])
    for day in range(2, 10):
        world.campaign(f"{paid_off + timedelta(days=day)}T10:30:00+03:00")
        if steps_sent(world)[-1] == "follow_up_satisfaction":
            break
    assert steps_sent(world)[-1] == "follow_up_satisfaction"
    assert "how we did" in world.texts_to(PHONE)[-1]["form"]["Body"]
    assert "Thank you for telling us" in world.say("All good, you were fair with me")
    status, trail = get_json(world.stack.web_url + f"/api/loans/{LOAN}/audit",
                             headers={"Authorization": f"Bearer {world.stack.admin_token}"})
    [answer] = [e for e in trail["entries"] if e["kind"] == "satisfaction_answer"]
    assert answer["payload"]["answer"] == "All good, you were fair with me"
    assert world.loan()["contact_history"][-1]["replied_at"] is not None


def test_a_loan_long_overdue_without_contact_reaches_the_review_queue_and_contact_pauses(world):
    world.campaign("2027-01-06T11:00:00+03:00")
    review = world.loan(REVIEW)
    assert review["stage"] == "legal_review"
    with db.transaction(world.factory) as session:
        agents.create_agent(session, "rita", "correct-horse-battery-e2e", role="agent")
        token = agents.create_session(session, agents.find_agent(session, "rita"))
    request = urllib.request.Request(world.stack.web_url + "/console/api/queue",
                                     headers={"Cookie": f"console_session={token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        queue = json.loads(response.read())
    cases = [c for c in queue["cases"] if (c.get("loan_id") or (c.get("loan") or {}).get("loan_id")) == REVIEW]
    assert len(cases) == 1 and cases[0]["reason"].startswith("legal review"), queue
    assert not world.texts_to("+254711000002")  # never contacted once in review
    assert all(h["status"] == "dropped" and h["rule"] == "legal_review_pause"
               for h in review["contact_history"])
