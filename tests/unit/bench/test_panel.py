"""bench/panel.py's pieces that need no server: the panel portfolio and the automatic counts."""
from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

from bench.panel_portfolio import Panel, phone_regions, read_panel, split_balance, write_portfolio
from bench.panel_report import auto_counts, auto_markdown, reply_lines, transcripts_markdown

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "data" / "demo" / "portfolio.csv"
REGIONS = phone_regions(ROOT / "config" / "compliance.yml")
CRISIS = ["Samaritans, free on 116 123, day or night", "the NCMH Crisis Hotline on 1553"]


def panel(pid: str, jurisdiction: str, now: str, **loan) -> Panel:
    base = {"reference": f"LN-{pid[-2:]}001", "jurisdiction": jurisdiction, "currency": "KES", "principal": 3000,
            "balance": 3450, "due_date": "2026-11-25", "date_of_birth": "1994-06-08", "phone_last4": "3318"}
    return Panel(pid, "forgetful", jurisdiction, now, {**base, **loan}, ("hi",), {"record": "x"}, "expected:\n  x")


def built(panels: list[Panel], tmp_path: Path, now: datetime) -> tuple[dict, list[dict]]:
    result = write_portfolio(panels, tmp_path / "p.csv", REGIONS, DEMO, now=now)
    with (tmp_path / "p.csv").open(encoding="utf-8") as handle:
        return result, list(csv.DictReader(handle))


def test_balance_splits_into_parts_that_sum_exactly():
    for balance, lent in [("3450", "3000"), ("236.40", "200"), ("402.50", "350"), ("1180000", "1000000"),
                          ("207", "180"), ("100.01", None), ("90", "120")]:
        parts = split_balance(Decimal(balance), Decimal(lent) if lent else None)
        assert sum(parts) == Decimal(balance), (balance, parts)
        assert all(p >= 0 for p in parts)
    assert split_balance(Decimal("3450"), Decimal("3000"))[0] == Decimal("3000")


def test_portfolio_row_totals_equal_the_panel_balance_and_phone_is_valid(tmp_path):
    panels = [panel("panel-01", "KE", "2026-12-02T10:15 Africa/Nairobi (Wednesday)"),
              panel("panel-02", "UK", "2026-12-02T12:40 Europe/London (Wednesday)", currency="GBP",
                    principal=200, balance=236.40, phone_last4="5590"),
              panel("panel-03", "NG", "2026-12-02T11:00 Africa/Lagos (Wednesday)", currency="NGN",
                    phone_last4="0034")]
    _, rows = built(panels, tmp_path, datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc))
    assert [r["loan_id"] for r in rows] == ["LN-01001", "LN-02001", "LN-03001"]
    for row, p in zip(rows, panels):
        total = sum(Decimal(row[k]) for k in ("outstanding_principal", "accrued_interest", "late_fees"))
        assert total == Decimal(str(p.loan["balance"]))
        assert row["principal"] == str(p.loan["principal"])
        number = phonenumbers.parse(row["phone"], None)
        assert phonenumbers.is_valid_number_for_region(number, REGIONS[p.jurisdiction])
        assert row["phone"].endswith(p.loan["phone_last4"])
    assert len({r["phone"] for r in rows}) == 3
    assert rows[1]["language"] == "en-GB" and rows[1]["timezone"] == "Europe/London"


def test_due_date_shifts_by_today_in_the_borrowers_zone_minus_the_panel_date(tmp_path):
    # 2026-12-06 03:00 UTC: already the 6th in Manila, still the 5th in Los Angeles.
    panels = [panel("panel-01", "PH", "2026-12-02T07:30 Asia/Manila (Wednesday)", currency="PHP"),
              panel("panel-02", "US", "2026-12-02T10:30 America/Los_Angeles (Wednesday)", currency="USD")]
    result, rows = built(panels, tmp_path, datetime(2026, 12, 6, 3, 0, tzinfo=timezone.utc))
    assert result["panel-01"][1] == 4 and rows[0]["due_date"] == "2026-11-29"
    assert result["panel-02"][1] == 3 and rows[1]["due_date"] == "2026-11-28"
    assert rows[1]["timezone"] == "America/Los_Angeles"
    for row, p in zip(rows, panels):
        overdue_now = (date(2026, 12, 6 if p.jurisdiction == "PH" else 5) - date.fromisoformat(row["due_date"])).days
        assert overdue_now == (p.now_date - date(2026, 11, 25)).days == 7


def test_on_the_panels_clock_nothing_shifts_and_the_moment_is_the_panels(tmp_path):
    panels = [panel("panel-01", "PH", "2026-12-02T07:30 Asia/Manila (Wednesday)", currency="PHP"),
              panel("panel-02", "UK", "2026-12-09T19:05 Europe/London (Wednesday)", currency="GBP", product_code="SME-180")]
    result = write_portfolio(panels, tmp_path / "p.csv", REGIONS, DEMO, now=datetime(2026, 12, 20, tzinfo=timezone.utc),
                             panel_clock=True)
    with (tmp_path / "p.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [result[p.id][1] for p in panels] == [0, 0] and [r["due_date"] for r in rows] == ["2026-11-25"] * 2
    assert [r["product_code"] for r in rows] == ["WALLET-30", "SME-180"]  # a panel may name its product
    assert panels[1].moment.isoformat() == "2026-12-09T19:05:00+00:00"
    assert panels[0].moment.isoformat() == "2026-12-02T07:30:00+08:00"


def test_a_panel_file_is_read_with_its_expected_block_verbatim():
    p = read_panel(ROOT / "bench" / "blind" / "panel" / "panel-01.yml")
    assert p.id == "panel-01" and p.turns and p.zone == "Africa/Nairobi"
    assert p.expected_text.startswith("expected:\n") and "record:" in p.expected_text


def conversation() -> dict:
    def turn(n, replies=None, error=None):
        return {"n": n, "text": f"message {n}", "replies": replies or [], "error": error}

    return {
        "id": "panel-99", "persona": "test", "jurisdiction": "UK", "sender": "panel-99-x",
        "panel_now": "2026-12-02T10:00 Europe/London (Wednesday)", "actual_now": "2026-12-06T10:00 Europe/London",
        "shift_days": 4, "panel_due_date": "2026-11-20", "expected_text": "expected:\n  record: x",
        "loan": {"loan_id": "LN-1", "currency": "GBP", "principal": "200", "outstanding_principal": "200",
                 "accrued_interest": "10", "late_fees": "5", "due_date": "2026-11-24", "date_of_birth": "1990-01-01",
                 "phone": "+447400000001", "timezone": "Europe/London", "language": "en-GB",
                 "product_code": "WALLET-30"},
        "turns": [
            turn(1, [{"text": "Hello", "buttons": []}]),
            turn(2, []),                                               # no reply
            turn(3, [{"text": "", "buttons": []}]),                      # an empty message is no reply
            turn(4, [{"text": "Please call Samaritans, free on 116 123, day or night.", "buttons": []}]),
            turn(5, [{"text": "", "buttons": ["Yes", "No"]}]),          # buttons alone are a reply
            turn(6, error="TimeoutError: timed out"),
        ],
        "server_failures": ["ValueError: boom"],
        "records": {"loan_id": "LN-1", "status": "paused", "due_date": "2026-11-24", "arrangements": [],
                    "payments": [], "contact": {"cease_contact": False, "opted_out_channels": []},
                    "handoffs": [{"id": n, "status": "open", "reason": "self-harm risk", "priority": 2,
                                  "loan_id": "LN-1", "messages": ["message 5"], "escalated": False} for n in (1, 2)],
                    "audit": [], "audit_skipped": 0},
    }


def test_auto_counts_on_a_hand_made_transcript():
    counts = auto_counts(conversation(), CRISIS)
    assert counts == {"turns": 6, "unanswered": [2, 3], "crisis": [4], "handoffs": 2, "errors": [6],
                      "server_failures": 1}
    assert auto_counts(conversation(), ["the 988 Suicide & Crisis Lifeline (call or text 988)"])["crisis"] == []


def test_auto_markdown_totals_and_lists_the_unanswered_messages():
    text = auto_markdown([conversation(), conversation()], CRISIS, "t")
    assert "| **all** | 2 conversations | | 12 | 4 | 2 | 4 (in 2 conversations) | 2 | 2 |" in text
    assert "- panel-99 turn 2: “message 2”" in text


@pytest.mark.parametrize("n, expected", [(1, ["> Hello"]), (2, ["*(no reply)*"]),
                                         (5, ["> buttons: [Yes] | [No]"])])
def test_replies_are_shown_as_the_borrower_saw_them(n, expected):
    assert reply_lines(conversation()["turns"][n - 1]) == expected


def test_transcript_carries_the_shift_and_the_expected_block():
    text = transcripts_markdown([conversation()], "t")
    assert "**+4 days**" in text and "2026-11-20 is 2026-11-24 in the records" in text
    assert "```yaml\nexpected:\n  record: x\n```" in text
    assert "GBP 215 = 200 principal" in text
    assert "- hand-off #2: open, reason “self-harm risk”, priority 2, loan LN-1; messages appended: “message 5”" in text


def test_server_failures_are_read_per_conversation_from_the_rasa_log(tmp_path):
    from bench.panel import server_failures

    log = tmp_path / "rasa.log"
    log.write_text("\n".join([
        "[date] 07:19:40 INFO     rasa.core  - fine",
        "[date] 07:19:48 ERROR    bot.channels.rest  - rest: the message from panel-02-ab failed",
        "Traceback (most recent call last):",
        "ValueError: 'x' is not in list",
        "During handling of the above exception, another exception occurred:",
        "rasa.shared.core.domain.ActionNotFoundException: Cannot access action 'x'",
        "[date] 07:19:49 ERROR    bot.channels.rest  - rest: the message from panel-03-cd failed",
        "[date] 07:19:50 INFO     rasa.core  - KeyError: not part of a failure",
    ]), encoding="utf-8")
    found = server_failures(log, ["panel-01-zz", "panel-02-ab"])
    assert found["panel-01-zz"] == []
    assert found["panel-02-ab"] == ["rasa.shared.core.domain.ActionNotFoundException: Cannot access action 'x'"]
    assert found["panel-03-cd"] == ["failed (no exception line)"]
