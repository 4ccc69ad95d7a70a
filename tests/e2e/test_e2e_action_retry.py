"""Rasa retries an action call when the answer is slow or lost: the retry must
not write twice, and must say exactly what the first run said."""
from __future__ import annotations

from tests.conftest import Borrower, get_json, post_json

LOAN = "LN-20970"  # Priya Sharma, born 5 December 1990, INR


def test_a_retried_accept_records_once_and_says_the_same(stack):
    borrower = Borrower(stack)
    borrower.say("hello")
    assert "INR" in borrower.say(f"{LOAN}, born 05/12/1990")
    assert "Shall I set this up" in borrower.say("can I pay it in 2 instalments")
    _, tracker = get_json(stack.rasa_api(f"/conversations/{borrower.sender}/tracker"))
    _, domain = get_json(stack.rasa_api("/domain"), headers={"Accept": "application/json"})
    # The move the policy hands an action with Rasa's call (bot/dialogue/move.py); this test plays that call itself.
    tracker["slots"]["move"] = {"v": 1, "action": "action_accept_offer",
                                "for_message": tracker["latest_message"]["message_id"]}
    call = {"next_action": "action_accept_offer", "sender_id": borrower.sender, "tracker": tracker,
            "domain": domain, "version": "3.6.21"}
    webhook = f"{stack.actions_url}/webhook?token={stack.action_token}"  # Rasa's own token, as Rasa sends it
    _, first = post_json(webhook, call)
    _, again = post_json(webhook, call)
    assert "recorded" in first["responses"][0]["text"]
    assert again == first
    auth = {"Authorization": f"Bearer {stack.admin_token}"}
    _, loan = get_json(f"{stack.web_url}/api/loans/{LOAN}", headers=auth)
    assert loan["active_arrangement"]["kind"] == "instalment_plan" and not loan["past_arrangements"]
    _, audit = get_json(f"{stack.web_url}/api/loans/{LOAN}/audit", headers=auth)
    accepted = [e for e in audit["entries"] if e["kind"] == "message_out" and e["payload"].get("message") == "accepted"]
    assert len(accepted) == 1
