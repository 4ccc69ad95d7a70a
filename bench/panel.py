"""The blind conversation panel: bench/blind/panel/*.yml driven through the running bot.

Usage::

    python bench/panel.py --label after-2f94dc7                 # all 50 conversations
    python bench/panel.py --label smoke --only panel-07,panel-12
    python bench/panel.py --label before-0328bc3 --root /tmp/panel-before   # another checkout's code
    python bench/panel.py --label round2-<commit> --panels bench/blind/panel2   # the second blind round
    python bench/panel.py --label round6-<commit> --panels bench/blind/panel6 --panel-clock

Builds one portfolio with the panel's loans (bench/panel_portfolio.py: due dates
shifted so the days overdue are the panel's, since the product runs on real
time), starts the stack once with bot.launch.start on a temporary database and
tracker store, imports it, and sends each panel's turns in order through the
REST webhook as one sender. With --panel-clock the servers read the panel's own
`now` (bot/clock.py BOT_NOW_FILE, as `make simulate` does): each conversation
runs at its panel's date and hour, in date order, and no date is shifted, so
"Friday", "the 18th" and the promise window mean what the panel's writer meant.
After every conversation has ended it reads the
records (bench/panel_records.py) and writes bench/results/panel/LABEL/:
transcripts.md (for the judge, turn by turn and record by record),
transcripts.jsonl, auto.md (the counts that need no judgement) and the
portfolio.csv that was imported.

bench/blind is an evaluation set: this script only drives it, never trains on it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import string
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from bench.panel_portfolio import Panel, phone_regions, read_panels, write_portfolio  # noqa: E402
from bench.panel_records import read_records  # noqa: E402
from bench.panel_report import auto_counts, write_outputs  # noqa: E402

PANEL_DIR = HERE / "bench" / "blind" / "panel"
RESULTS = HERE / "bench" / "results" / "panel"
TIMEOUT_S = 90
EXCEPTION = re.compile(r"^[\w.]*(Error|Exception)\b[^:]*:")


def crisis_lines(bot_yml: Path) -> list[str]:
    import yaml

    lines = (yaml.safe_load(bot_yml.read_text(encoding="utf-8")) or {}).get("crisis_lines", {}).values()
    # a line is a text, or language -> text (issue 15): every one the bot may say
    return sorted({text for line in lines for text in ([line] if isinstance(line, str) else line.values())})


def parse_replies(raw: list[dict]) -> list[dict]:
    """Rasa REST replies as the borrower sees them: text and the buttons' titles (anything else named)."""
    found = []
    for reply in raw:
        item = {"text": reply.get("text") or "", "buttons": [b.get("title", "") for b in reply.get("buttons") or []]}
        other = {k: v for k, v in reply.items() if k not in ("recipient_id", "text", "buttons")}
        if other:
            item["other"] = json.dumps(other, ensure_ascii=False)[:300]
        found.append(item)
    return found


def post(url: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        return json.loads(response.read() or b"[]")


def converse(rasa_url: str, panel: Panel, sender: str, zone: str, clock_file: Path | None = None) -> dict:
    """Every turn in order, whatever the bot answers (the panel's borrower pursues their goal)."""
    if clock_file is not None:  # the servers' clock is the panel's now for this conversation
        clock_file.write_text(panel.moment.isoformat(), encoding="utf-8")
    actual = panel.moment if clock_file is not None else datetime.now(ZoneInfo(zone))
    turns = []
    for n, text in enumerate(panel.turns, 1):
        started = time.monotonic()
        turn = {"n": n, "text": text, "replies": [], "error": None}
        try:
            turn["replies"] = parse_replies(post(f"{rasa_url}/webhooks/rest/webhook", sender, text))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            turn["error"] = f"{type(exc).__name__}: {exc}"
        turn["seconds"] = round(time.monotonic() - started, 2)
        turns.append(turn)
    return {"actual_now": actual.strftime(f"%Y-%m-%dT%H:%M {zone} (%A)"), "turns": turns}


def server_failures(rasa_log: Path, senders: list[str]) -> dict[str, list[str]]:
    """{sender: [exception line, ...]}: messages the REST channel logged as failed (bot.channels.rest).

    The channel answers a failed message with no reply at all, so an unanswered turn is either
    the bot's choice or a crash; this tells them apart (in order, per conversation)."""
    found: dict[str, list[str]] = {s: [] for s in senders}
    current = None
    text = rasa_log.read_text(encoding="utf-8", errors="replace") if rasa_log.exists() else ""
    for line in text.splitlines():
        if "rest: the message from " in line and line.rstrip().endswith(" failed"):
            current = line.split("rest: the message from ", 1)[1].rsplit(" failed", 1)[0]
            found.setdefault(current, []).append("failed (no exception line)")
        elif line.startswith("[") or line[:4].isdigit():
            current = None  # the next log record: the traceback has ended
        elif current and EXCEPTION.match(line):
            found[current][-1] = line.strip()[:160]  # the last one is the exception that escaped
    return found


def logged_errors(var: Path) -> list[str]:
    """Every distinct ERROR record the servers logged during the run, with how often (e.g. an action
    that crashed: Rasa drops its events and the borrower may get no reply or a wrong one)."""
    counts: dict[str, int] = {}
    for name in ("rasa.log", "actions.log", "web.log"):
        path = var / name
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []:
            if " ERROR " in line and "rest: the message from " not in line:  # those: server_failures
                text = f"{name}: " + line.split(" ERROR ", 1)[1].strip()[:180]
                counts[text] = counts.get(text, 0) + 1
    return [f"{n} × {text}" for text, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def use_root(root: Path) -> None:
    """Import `bot` from `root` (this checkout's bench helpers are already imported)."""
    if root != HERE:
        sys.path.insert(0, str(root))
    os.chdir(root)


def run(panels: list[Panel], root: Path, model: Path, workers: int,
        panel_clock: bool = False) -> tuple[list[dict], float, list[str], Path]:
    from bot.launch import start
    from bot.records.cli import main as records_cli

    var = Path(tempfile.mkdtemp(prefix="panel-"))
    database_url = f"sqlite:///{var / 'bot.db'}"
    os.environ["DATABASE_URL"] = database_url
    clock_file = None
    if panel_clock:
        unknown = [p.id for p in panels if p.moment is None]
        if unknown:
            raise SystemExit(f"--panel-clock: no zone in the `now` of {', '.join(unknown)}")
        panels = sorted(panels, key=lambda p: p.moment)  # the clock only moves forward
        clock_file = var / "now.txt"
        clock_file.write_text(panels[0].moment.isoformat(), encoding="utf-8")
        os.environ["BOT_NOW_FILE"] = str(clock_file)  # every server started below reads it (bot/clock.py)
        workers = 1
    built = write_portfolio(panels, var / "portfolio.csv", phone_regions(root / "config" / "compliance.yml"),
                            root / "data" / "demo" / "portfolio.csv", panel_clock=panel_clock)
    if records_cli(["migrate"]) != 0 or records_cli(["import", str(var / "portfolio.csv")]) != 0:
        raise SystemExit(f"could not import the panel portfolio ({var / 'portfolio.csv'})")
    # Letters only after the id: the servers' log redaction masks digit runs that look like phones.
    senders = {p.id: f"{p.id}-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6)) for p in panels}
    print(f"==> starting the stack in {var} ({root}, model {model})", flush=True)
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    stack = start(model=model, database_url=database_url, tracker_url=f"sqlite:///{var / 'tracker.db'}",
                  var_dir=var, admin_token=secrets.token_urlsafe(16), ports=ports)
    started = time.monotonic()
    results: dict[str, dict] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {p.id: pool.submit(converse, stack.rasa_url, p, senders[p.id], built[p.id][0]["timezone"],
                                         clock_file)
                       for p in panels}
            for n, (pid, future) in enumerate(futures.items(), 1):
                results[pid] = future.result()
                print(f"    {n}/{len(panels)} {pid} ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        stack.stop()
    elapsed = time.monotonic() - started
    records = read_records(database_url, {senders[p.id]: built[p.id][0]["loan_id"] for p in panels})
    failures = server_failures(var / "rasa.log", list(senders.values()))
    errors = logged_errors(var)
    conversations = []
    for p in panels:
        row, shift = built[p.id]
        conversations.append({
            "id": p.id, "persona": p.persona, "jurisdiction": p.jurisdiction, "sender": senders[p.id],
            "panel_now": p.now, **results[p.id], "shift_days": shift, "loan": row, "panel_clock": panel_clock,
            "panel_due_date": str(p.loan["due_date"]),
            "records": records[senders[p.id]], "server_failures": failures.get(senders[p.id], []),
            "expected": p.expected, "expected_text": p.expected_text,
        })
    print(f"==> logs and databases kept in {var}", flush=True)
    conversations.sort(key=lambda c: c["id"])  # the panel's order, whatever order they ran in
    return conversations, elapsed, errors, var / "portfolio.csv"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True, help="names the results folder, e.g. after-<commit>")
    parser.add_argument("--only", help="comma-separated panel ids, e.g. panel-07,panel-12")
    parser.add_argument("--root", default=str(HERE), help="the checkout whose code and config run (default: this)")
    parser.add_argument("--model", help="default: ROOT/models/collections.tar.gz")
    parser.add_argument("--workers", type=int, default=1,
                        help="conversations in flight at once (2 can lock the SQLite records on a loaded machine)")
    parser.add_argument("--out", default=str(RESULTS), help="results folder; LABEL is made under it")
    parser.add_argument("--panel-clock", action="store_true",
                        help="run each conversation at its panel's own now (no date shift; one at a time)")
    parser.add_argument("--panels", default=str(PANEL_DIR),
                        help="the panel files' folder (default bench/blind/panel; round 2: bench/blind/panel2)")
    args = parser.parse_args(argv)
    if not args.label or "/" in args.label or args.label.startswith("."):
        parser.error("--label must be a plain folder name")
    root = Path(args.root).resolve()
    model = Path(args.model).resolve() if args.model else root / "models" / "collections.tar.gz"
    if not model.exists():
        parser.error(f"no model at {model}")
    only = {p.strip() for p in args.only.split(",") if p.strip()} if args.only else None
    panels = read_panels(Path(args.panels).resolve(), only)
    folder = Path(args.out).resolve() / args.label
    use_root(root)
    conversations, elapsed, errors, portfolio = run(panels, root, model, max(args.workers, 1), args.panel_clock)
    lines = crisis_lines(root / "config" / "bot.yml")
    turns = sum(len(c["turns"]) for c in conversations)
    title = f"{args.label} ({len(conversations)} conversations)"
    note = (f"Run: code and config of {root}, model {model}; {len(conversations)} conversations, {turns} borrower "
            f"messages, {args.workers} in flight, {elapsed:.0f} s. Command: `python bench/panel.py --label "
            f"{args.label}{' --only ' + args.only if args.only else ''}"
            f"{' --root ' + str(root) if root != HERE else ''}{' --model ' + str(model) if args.model else ''}"
            f"{' --panel-clock' if args.panel_clock else ''}`.")
    if errors:
        note += "\n\nERROR records the servers logged during the run (count × message):\n\n" + "\n".join(
            f"- {e}" for e in errors[:40])
    write_outputs(folder, conversations, lines, title, note)
    shutil.copyfile(portfolio, folder / "portfolio.csv")
    counts = [auto_counts(c, lines) for c in conversations]
    print(f"==> {folder}: unanswered {sum(len(a['unanswered']) for a in counts)}, crisis-line turns "
          f"{sum(len(a['crisis']) for a in counts)}, hand-offs {sum(a['handoffs'] for a in counts)}, "
          f"errors {sum(len(a['errors']) for a in counts)} over {turns} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
