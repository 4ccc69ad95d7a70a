"""The panel run's outputs: transcripts.md for the judge, transcripts.jsonl, auto.md.

A conversation is a plain dict (JSON-safe) built by bench/panel.py:
id, persona, jurisdiction, sender, panel_now, actual_now, shift_days, loan (the
CSV row), turns [{n, text, replies [{text, buttons}], error, seconds}],
records (bench/panel_records.py), expected, expected_text.

The automatic counts are only what needs no judgement: messages with no
reply, replies carrying a crisis line, hand-offs recorded, errors/timeouts.
Whether a reply was right is for the reader of transcripts.md.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from bench.panel_records import records_lines


def replied(turn: dict) -> bool:
    return any((r.get("text") or "").strip() or r.get("buttons") for r in turn.get("replies") or [])


def has_crisis_line(turn: dict, crisis_lines: list[str]) -> bool:
    text = "\n".join(r.get("text") or "" for r in turn.get("replies") or [])
    return any(line in text for line in crisis_lines)


def auto_counts(conversation: dict, crisis_lines: list[str]) -> dict:
    """Turn numbers (1-based) with no reply, with a crisis line, with an error; hand-offs recorded.

    A turn that failed (timeout, refused connection) counts as an error, not as unanswered:
    the harness, not the bot, may be at fault; both are shown."""
    turns = conversation["turns"]
    records = conversation.get("records") or {}
    return {
        "turns": len(turns),
        "unanswered": [t["n"] for t in turns if not t.get("error") and not replied(t)],
        "crisis": [t["n"] for t in turns if has_crisis_line(t, crisis_lines)],
        "handoffs": len(records.get("handoffs") or []),
        "errors": [t["n"] for t in turns if t.get("error")],
        "server_failures": len(conversation.get("server_failures") or []),
    }


def _quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.split("\n")]


def reply_lines(turn: dict) -> list[str]:
    """The bot's messages as the borrower saw them: each message a block quote, buttons under it."""
    if turn.get("error"):
        head = [f"*(harness error: {turn['error']})*"]
        return head if not turn.get("replies") else head + [""]
    if not replied(turn):
        return ["*(no reply)*"]
    lines: list[str] = []
    for reply in turn["replies"]:
        if lines:
            lines.append("")
        body = _quote(reply.get("text") or "") if reply.get("text") else []
        if reply.get("buttons"):
            body += ([">"] if body else []) + ["> buttons: " + " | ".join(f"[{b}]" for b in reply["buttons"])]
        lines.extend(body or [f"> *(non-text message: {reply.get('other', '')})*"])
    return lines


def _money(row: dict) -> str:
    total = sum(Decimal(row[k]) for k in ("outstanding_principal", "accrued_interest", "late_fees"))
    return (f"{row['currency']} {total} = {row['outstanding_principal']} principal + {row['accrued_interest']} interest + "
            f"{row['late_fees']} fees (lent {row['principal']})")


def conversation_markdown(c: dict) -> str:
    row, shift = c["loan"], c["shift_days"]
    sign = f"+{shift}" if shift >= 0 else str(shift)
    dates = (
        [f"- the bot ran on the panel's clock: its now was {c['actual_now']}, so every date means what it means "
         f"in the panel (no date shift; the due date {row['due_date']} is the panel's)"]
        if c.get("panel_clock") else
        [f"- actual now: {c['actual_now']} (when the first message was sent)",
         f"- date shift: **{sign} days** (today in {row['timezone']} minus the panel's date): the panel's due date "
         f"{c['panel_due_date']} is {row['due_date']} in the records, so the days overdue are the panel's; "
         f"relative dates ('today', 'tomorrow', 'in two weeks') land {sign} days later for the bot than in the "
         f"panel's `expected`, weekday words ('friday') resolve from the actual now, written dates ('20 dec', "
         f"'the 15th') stay as written"])
    lines = [
        f"## {c['id']} · {c['persona']} · {c['jurisdiction']}", "",
        f"- panel now: {c['panel_now']}",
        *dates,
        f"- loan {row['loan_id']}: {_money(row)}; date of birth {row['date_of_birth']}; phone {row['phone']}; "
        f"{row['timezone']}, language {row['language']}, product {row['product_code']}",
        f"- conversation id: {c['sender']}",
        *[f"- **server failure** logged by the REST channel (the borrower got no reply): {f}"
          for f in c.get("server_failures") or []], "",
        "### Conversation", "",
    ]
    for turn in c["turns"]:
        lines += [f"**{turn['n']}. Borrower:** {turn['text']}", ""] + reply_lines(turn) + [""]
    lines += ["### Records after the conversation", ""] + records_lines(c.get("records") or {}) + [""]
    lines += ["### Expected (the panel, verbatim)", "", "```yaml", c["expected_text"], "```", ""]
    return "\n".join(lines)


def transcripts_markdown(conversations: list[dict], title: str) -> str:
    head = [f"# Blind conversation panel: {title}", "",
            "Every borrower turn of bench/blind/panel as sent through the REST channel, the bot's replies under it "
            "exactly as returned (text, then the buttons' titles), the records read from the database after all "
            "conversations ended, then the panel's `expected` block. Dates: see each conversation's date shift.", ""]
    index = [f"- [{c['id']}](#{c['id']}--{_anchor(c['persona'])}--{c['jurisdiction'].lower()}) {c['persona']} "
             f"({c['jurisdiction']})" for c in conversations]
    return "\n".join(head + index + [""] + [conversation_markdown(c) for c in conversations])


def _anchor(text: str) -> str:
    return "".join(ch for ch in text.lower().replace(" ", "-") if ch.isalnum() or ch in "-_")


def auto_markdown(conversations: list[dict], crisis_lines: list[str], title: str, note: str = "") -> str:
    lines = [f"# Panel automatic counts: {title}", "",
             "Counted without judgement: borrower messages with no reply at all, turns whose reply carries a crisis "
             "line of config/bot.yml, hand-off cases recorded for the conversation or its loan, turns the harness "
             "could not complete (error/timeout), and messages the REST channel logged as failed in rasa.log (a crash "
             "inside the server, which the borrower sees as no reply). Turn numbers in brackets.", "",
             "| panel | persona | jurisdiction | turns | unanswered | crisis line | hand-offs | errors/timeouts "
             "| server failures |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    totals = {"turns": 0, "unanswered": 0, "crisis": 0, "handoffs": 0, "errors": 0, "with_handoff": 0,
              "server_failures": 0}

    def cell(found: list[int]) -> str:
        return f"{len(found)} {found}" if found else "0"

    for c in conversations:
        a = auto_counts(c, crisis_lines)
        lines.append(f"| {c['id']} | {c['persona']} | {c['jurisdiction']} | {a['turns']} | {cell(a['unanswered'])} "
                     f"| {cell(a['crisis'])} | {a['handoffs']} | {cell(a['errors'])} | {a['server_failures']} |")
        for key in ("unanswered", "crisis", "errors"):
            totals[key] += len(a[key])
        totals["turns"] += a["turns"]
        totals["handoffs"] += a["handoffs"]
        totals["server_failures"] += a["server_failures"]
        totals["with_handoff"] += bool(a["handoffs"])
    lines.append(f"| **all** | {len(conversations)} conversations | | {totals['turns']} | {totals['unanswered']} "
                 f"| {totals['crisis']} | {totals['handoffs']} (in {totals['with_handoff']} conversations) "
                 f"| {totals['errors']} | {totals['server_failures']} |")
    unanswered = [(c["id"], t) for c in conversations for t in c["turns"]
                  if t["n"] in auto_counts(c, crisis_lines)["unanswered"]]
    if unanswered:
        lines += ["", "Messages with no reply:", ""] + [f"- {cid} turn {t['n']}: “{t['text']}”" for cid, t in unanswered]
    failures = sorted({f for c in conversations for f in c.get("server_failures") or []})
    if failures:
        lines += ["", "Server failures (rasa.log):", ""] + [f"- {f}" for f in failures]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def write_outputs(folder: Path, conversations: list[dict], crisis_lines: list[str], title: str, note: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "transcripts.md").write_text(transcripts_markdown(conversations, title), encoding="utf-8")
    with (folder / "transcripts.jsonl").open("w", encoding="utf-8") as handle:
        for c in conversations:
            handle.write(json.dumps({**c, "auto": auto_counts(c, crisis_lines)}, ensure_ascii=False,
                                    default=str) + "\n")
    (folder / "auto.md").write_text(auto_markdown(conversations, crisis_lines, title, note), encoding="utf-8")
