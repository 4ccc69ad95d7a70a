"""The results of bench/simulate.py: the JSON line, bench/results/simulate.md and simulate.png.

Kept apart from the simulation so the run reads as a story and the report as a table.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

STAGES = ("reminder", "contact", "negotiation", "legal_review", "follow_up", "closed")


def summary(args, result: dict) -> dict:
    """The JSON object `make simulate` prints last (the operator contract's keys first)."""
    world, totals = result["world"], result["totals"]
    arrangements = totals["arrangements"]
    kept, broken = arrangements.get("kept", 0), arrangements.get("broken", 0)
    sent = sum(n for channel, _, status, n in totals["sends"] if status == "sent")
    final = world.daily[-1]["collected_share"] if world.daily else 0.0
    return {
        "loans": args.loans, "days": args.days, "messages_sent": sent,
        "collected_share": round(final, 4),
        "promises_kept_share": round(kept / (kept + broken), 4) if kept + broken else None,
        "handoffs": totals["handoffs"], "violations": len(result["violations"]),
        "seconds": round(result["seconds"], 1), "seed": args.seed,
        "bot_replies_sent": world.counts["bot_sms"], "conversations": world.counts["conversations"],
        "borrower_messages": world.counts["borrower_messages"],
        "arrangements_made": sum(arrangements.values()), "arrangements_kept": kept, "arrangements_broken": broken,
        "legal_reviews": totals["legal_reviews"],
        "payments": world.counts["payments"], "payments_refused": world.counts["payments_refused"],
        "conversation_errors": world.counts["conversation_errors"],
    }


def _sends_table(sends) -> str:
    by = defaultdict(Counter)
    statuses = sorted({status for _, _, status, _ in sends})
    for channel, step, status, n in sends:
        by[(channel, step)][status] += n
    lines = ["| channel | step | " + " | ".join(statuses) + " |", "|---|---|" + "---:|" * len(statuses)]
    for (channel, step), counts in sorted(by.items()):
        lines.append(f"| {channel} | {step} | " + " | ".join(str(counts.get(s, 0)) for s in statuses) + " |")
    return "\n".join(lines)


def chart(path: Path, daily: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = list(range(len(daily)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    top.plot(days, [100 * d["collected_share"] for d in daily], color="tab:green")
    top.set_ylabel("balance collected (%)")
    top.set_title("Simulated portfolio: collected and loans per stage, per simulated day")
    for stage in STAGES:
        bottom.plot(days, [d["stages"].get(stage, 0) for d in daily], label=stage)
    bottom.set_ylabel("loans")
    bottom.set_xlabel("simulated day")
    bottom.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_report(folder: Path, args, result: dict, line: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    chart(folder / "simulate.png", result["world"].daily)
    world, violations = result["world"], result["violations"]
    rows = [
        ("loans", line["loans"]), ("simulated days", line["days"]),
        ("campaign messages sent (SMS)", line["messages_sent"]), ("bot replies sent (SMS)", line["bot_replies_sent"]),
        ("conversations (borrower replied)", line["conversations"]),
        ("borrower messages", line["borrower_messages"]),
        ("answers held back by the conversation budget, then given up", world.counts["answers_given_up"]),
        ("arrangements made / kept / broken",
         f"{line['arrangements_made']} / {line['arrangements_kept']} / {line['arrangements_broken']}"),
        ("collected share (each loan: paid / its starting balance, mean)", f"{line['collected_share']:.1%}"),
        ("promises kept share (kept / (kept + broken))",
         "-" if line["promises_kept_share"] is None else f"{line['promises_kept_share']:.1%}"),
        ("payments through the signed callback (accepted / refused)", f"{line['payments']} / {line['payments_refused']}"),
        ("conversation errors (HTTP)", line["conversation_errors"]),
        ("hand-offs to a person", line["handoffs"]), ("legal reviews", line["legal_reviews"]),
        ("violations (bench/sim_check.py)", line["violations"]), ("seconds", line["seconds"]),
    ]
    table = "\n".join(["| | |", "|---|---:|"] + [f"| {k} | {v} |" for k, v in rows])
    outcome = ", ".join(f"{k} {v}" for k, v in sorted(result["outcome"].items()))
    text = f"""# The whole life of a portfolio, simulated

`make simulate LOANS={args.loans} DAYS={args.days}` (`python bench/simulate.py --loans {args.loans} --days {args.days} --seed {args.seed}`)

{table}

![balance collected and loans per stage](simulate.png)

## How it was run

- Own temp dir, SQLite database and free ports; the real Rasa, action and web servers
  (bot.launch.start) with `BOT_NOW_FILE` set, so every server reads the simulated clock;
  SMS through the local fake of Twilio's Messages API (tests/support/fake_providers.py).
- The clock starts at 2027-01-04T00:00Z and moves every 2 simulated hours. Each step calls
  `bot.campaigns.run.run(factory, now)` in-process: the same function the Huey periodic task
  (`bot/campaigns/tasks.py`, `run_due`) calls every few minutes in `make run`.
- Borrowers are the personas of bench/personas.py (mix {dict(sorted(Counter(p.persona for p in world.people.values()).items()))}).
  One who gets an SMS answers by its nature (chance and delay), over SMS: signed
  Twilio webhook into Rasa, the bot's answers read from the fake's messages to that phone
  (at most 8 borrower messages a conversation, 2 at a time, and a budget of {world.budget} conversations
  for the run, spread evenly over the days: an answer the budget holds back for a day is given up
  and counted; the stack costs ~0.4-0.8 s a message on 2 cores, so this bounds the run).
  Angry borrowers sometimes just text STOP. Payments go through the signed payment
  callback with paid_at = simulated now, on the arrangement's dates, late or never as
  the persona does; some cooperative borrowers pay off after a reminder.
- Collected share: each loan counts its paid amount over its own starting balance
  (currencies differ, so no sum across loans), averaged over loans.
- Violations come from bench/sim_check.py, which replays the audit trail and contact
  events against config/compliance.yml without the bot's compliance code.
- Campaign job totals over the run: {outcome}.

## Time

Where the wall clock went: {", ".join(f"{k} {v:.0f} s" for k, v in world.timing.items())}
(the rest: starting the stack, the daily snapshots, the check). A conversation costs
~0.4-0.8 s per borrower message on 2 cores, hence the conversation budget above.

## Campaign sends by channel and step (outbound_sends)

{_sends_table(result["totals"]["sends"])}
"""
    if violations:
        text += "\n## Violations\n\n" + "\n".join(f"- {v.at:%Y-%m-%d %H:%M} {v.rule} {v.loan}: {v.detail}"
                                                  for v in violations[:100]) + "\n"
    (folder / "simulate.md").write_text(text, encoding="utf-8")
