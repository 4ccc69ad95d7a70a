"""python -m bot.campaigns plan --date YYYY-MM-DD | run [--now ISO-TIMESTAMP]

`plan` prints, as JSON lines, the contacts that date would send (channel, local
send time; for each moved or dropped one, the rule and reason) and writes
nothing. `run` performs what is due at that moment (default: the clock,
BOT_NOW when set) and prints a one-line JSON summary.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot import clock
from bot.records.db import make_engine, make_session_factory, migrate

from .run import plan_for, run


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-12-07") from None


def _now(value: str):
    try:
        return clock.parse_now(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.campaigns", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="print what a date would send (writes nothing)")
    p.add_argument("--date", type=_date, required=True)
    p.add_argument("--loan", action="append", help="only this loan id (repeatable)")
    r = sub.add_parser("run", help="perform what is due at a moment")
    r.add_argument("--now", type=_now, default=None, help="ISO timestamp with zone (default: BOT_NOW or now)")
    r.add_argument("--loan", action="append", help="only this loan id (repeatable)")
    args = parser.parse_args(argv)
    migrate()
    factory = make_session_factory(make_engine())
    if args.command == "plan":
        for line in plan_for(factory, args.date, args.loan):
            print(json.dumps(line, ensure_ascii=False))
        return 0
    now = args.now or clock.now()
    outcome = run(factory, now, loan_ids=args.loan)
    print(json.dumps({"now": now.isoformat(), **outcome.as_dict()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
