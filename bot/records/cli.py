"""Command line: python -m bot.records.cli {migrate|import PATH|verify-audit|purge|loan LOAN_ID|agent-...}.

Agent passwords come from the environment (AGENT_PASSWORD) or a prompt,
never from the command line, where `ps` and shell history would show them.
Uses DATABASE_URL (default sqlite:///var/bot.db). Reads the product codes and
jurisdictions that the importer accepts from the operator's YAML config.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import yaml

from . import agents
from .audit import verify_chain
from .errors import RecordError
from .db import REPO_ROOT, database_url, make_engine, make_session_factory, migrate, transaction
from .importer import import_portfolio
from .retention import purge
from .views import loan_audit, loan_summary

FALLBACK_JURISDICTIONS = {"US", "US-MA", "UK", "CN", "IN", "PH", "ID", "KE", "NG", "DEFAULT"}


def _yaml_keys(path: Path, section: str) -> set[str] | None:
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    block = data.get(section) if isinstance(data, dict) else None
    if not isinstance(block, dict):
        raise SystemExit(f"{path}: no '{section}:' mapping")
    return {str(k) for k in block}


def known_products(config_dir: Path = REPO_ROOT / "config") -> set[str]:
    products = _yaml_keys(config_dir / "products.yml", "products")
    if not products:
        raise SystemExit(f"{config_dir / 'products.yml'}: no products configured")
    return products


def known_jurisdictions(config_dir: Path = REPO_ROOT / "config") -> set[str]:
    return _yaml_keys(config_dir / "compliance.yml", "profiles") or set(FALLBACK_JURISDICTIONS)


def _years_before(today: date, years: int) -> date:
    # Same rule as bot.compliance.retention.purge_before (records may not
    # import compliance): whole calendar years, 29 February -> 28 February.
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def retention_cutoffs(config_dir: Path, now: datetime) -> dict[str, date]:
    """Jurisdiction -> date before which its records may be purged, from compliance.yml.

    No fallback: purging on guessed retention periods would destroy records."""
    path = config_dir / "compliance.yml"
    if not path.exists():
        raise SystemExit(f"{path}: missing; the purge needs each profile's retention_years")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict) or not profiles:
        raise SystemExit(f"{path}: no 'profiles:' mapping")
    cutoffs = {}
    for name, profile in profiles.items():
        years = profile.get("retention_years") if isinstance(profile, dict) else None
        if not isinstance(years, int) or isinstance(years, bool) or years < 1:
            raise SystemExit(f"{path}: profile {name}: retention_years must be a whole number >= 1, got {years!r}")
        cutoffs[str(name)] = _years_before(now.astimezone(timezone.utc).date(), years)
    return cutoffs


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"--now: not an ISO date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise SystemExit(f"--now: give a time zone (e.g. {value}Z or {value}+00:00)")
    return moment


def _purge_command(factory, args) -> int:
    now = _parse_now(args.now)
    cutoffs = retention_cutoffs(args.config_dir, now)
    try:
        with transaction(factory) as session:
            report = purge(session, cutoffs=cutoffs, now=now, dry_run=args.dry_run)
    except RecordError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.records.cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create / upgrade the database schema")
    imp = sub.add_parser("import", help="import a portfolio CSV (exit 1 if any row failed)")
    imp.add_argument("path")
    sub.add_parser("verify-audit", help="check the audit hash chain (exit 1 when broken)")
    prg = sub.add_parser("purge", help="purge records past retention (compliance.yml retention_years)")
    prg.add_argument("--dry-run", action="store_true", help="report what would go, change nothing")
    prg.add_argument("--now", help="ISO date-time with zone to count retention from (default: now)")
    loan = sub.add_parser("loan", help="print a loan summary as JSON")
    loan.add_argument("loan_id")
    loan.add_argument("--audit", action="store_true", help="print the loan's audit trail instead")
    add = sub.add_parser("agent-add", help="add a console agent (password: AGENT_PASSWORD or a prompt)")
    add.add_argument("username")
    add.add_argument("--role", choices=("agent", "supervisor"), default="agent")
    passwd = sub.add_parser("agent-passwd", help="set an agent's password (ends their sessions)")
    passwd.add_argument("username")
    disable = sub.add_parser("agent-disable", help="disable an agent (ends their sessions)")
    disable.add_argument("username")
    enable = sub.add_parser("agent-enable", help="re-enable a disabled agent")
    enable.add_argument("username")
    sub.add_parser("agent-list", help="list console agents as JSON")
    parser.add_argument("--config-dir", type=Path, default=REPO_ROOT / "config",
                        help="where products.yml / compliance.yml live (default: <repo>/config)")
    args = parser.parse_args(argv)

    url = database_url()
    migrate(url)  # every command needs the current schema; a no-op when up to date
    if args.command == "migrate":
        print("database schema is up to date")
        return 0
    engine = make_engine(url)
    factory = make_session_factory(engine)
    try:
        if args.command.startswith("agent-"):
            return _agent_command(factory, args)
        if args.command == "purge":
            return _purge_command(factory, args)
        if args.command == "import":
            report = import_portfolio(
                factory, args.path, known_products=known_products(args.config_dir),
                known_jurisdictions=known_jurisdictions(args.config_dir),
            )
            print("\n".join(report.lines()))
            return 0 if report.ok else 1
        if args.command == "verify-audit":
            with transaction(factory) as session:
                broken = verify_chain(session)
            print("OK" if broken is None else f"BROKEN at seq {broken}")
            return 0 if broken is None else 1
        with transaction(factory) as session:
            data = loan_summary(session, args.loan_id)
            if data is not None and args.audit:
                data = loan_audit(session, args.loan_id)
        if data is None:
            print(f"no loan {args.loan_id!r}", file=sys.stderr)
            return 1
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    finally:
        engine.dispose()


def _password() -> str:
    password = os.environ.get("AGENT_PASSWORD")
    if password:
        return password
    if not sys.stdin.isatty():
        raise SystemExit("set AGENT_PASSWORD (no terminal to prompt on)")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise SystemExit("the passwords differ")
    return first


def _agent_command(factory, args) -> int:
    try:
        with transaction(factory) as session:
            if args.command == "agent-list":
                print(json.dumps(agents.list_agents(session), indent=2))
            elif args.command == "agent-add":
                agent = agents.create_agent(session, args.username, _password(), role=args.role)
                print(f"agent {agent.username} ({agent.role}) added")
            elif args.command == "agent-passwd":
                agents.set_password(session, args.username, _password())
                print("password set")
            else:
                agents.set_active(session, args.username, args.command == "agent-enable")
                print(f"agent {args.username} {'enabled' if args.command == 'agent-enable' else 'disabled'}")
    except RecordError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
