"""Command line: python -m bot.records.cli {migrate|import PATH|verify-audit|anchor-audit|purge|loan LOAN_ID|agent-...}.

Agent passwords come from the environment (AGENT_PASSWORD) or a prompt,
never from the command line, where `ps` and shell history would show them.
Uses DATABASE_URL (default sqlite:///var/bot.db; the purge: PURGE_DATABASE_URL,
see cli_audit.py). Reads the product codes and jurisdictions that the importer
accepts from the operator's YAML config, through the typed bot.config.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

from bot import clock

from . import agents, cli_audit
from .errors import RecordError
from .db import REPO_ROOT, database_url, make_engine, make_session_factory, migrate, transaction
from .importer import import_portfolio
from .reconcile import reconcile
from .views import loan_audit, loan_summary



def _config_file(config_dir: Path | None, name: str) -> Path:
    """config/<name> as bot.config finds it (PRODUCTS_YML etc. apply), or <config_dir>/<name>."""
    from bot.config.files import CONFIG_DIR, path_of

    if config_dir is None or Path(config_dir).resolve() == CONFIG_DIR:
        return path_of(name)
    return Path(config_dir) / name


# The CLI is an entry point like the servers: it reads the typed configuration
# (bot.config, imported here only) and hands the records plain sets and dates,
# so the records modules themselves never depend on the layers above them.
def known_products(config_dir: Path | None = None) -> set[str]:
    from bot.config.errors import ConfigError
    from bot.config.products import load_products_file

    try:
        return set(load_products_file(_config_file(config_dir, "products.yml")).products)
    except ConfigError as exc:
        raise SystemExit(str(exc)) from None


def grace_days(loan) -> int:
    """The loan's grace days from config/campaigns.yml (as the admin API shows them)."""
    from bot.config.campaigns import load_campaigns

    return load_campaigns().cadence(loan.product_code, loan.borrower.jurisdiction).grace_days


def _profiles(config_dir: Path | None) -> dict:
    from bot.config.compliance import load_compliance
    from bot.config.errors import ConfigError

    try:
        return dict(load_compliance(_config_file(config_dir, "compliance.yml")).profiles)
    except ConfigError as exc:
        raise SystemExit(str(exc)) from None


def known_jurisdictions(config_dir: Path | None = None) -> set[str]:
    return set(_profiles(config_dir))


def phone_regions(config_dir: Path | None = None) -> dict[str, str]:
    """Jurisdiction -> phone region for national formats (compliance.yml `phone_region`), for the importer."""
    return {name: profile.phone_region for name, profile in _profiles(config_dir).items() if profile.phone_region}


def _years_before(today: date, years: int) -> date:
    # Same rule as bot.compliance.retention.purge_before (records may not
    # import compliance): whole calendar years, 29 February -> 28 February.
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def retention_cutoffs(config_dir: Path | None, now: datetime) -> dict[str, date]:
    """Jurisdiction -> date before which its records may be purged, from compliance.yml.

    No fallback: purging on guessed retention periods would destroy records, so
    a missing or wrong file stops the CLI naming the key."""
    today = now.astimezone(timezone.utc).date()
    return {name: _years_before(today, profile.retention_years) for name, profile in _profiles(config_dir).items()}


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return clock.now()
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
    return cli_audit.purge_command(factory, cutoffs=cutoffs, now=now, dry_run=args.dry_run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.records.cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create / upgrade the database schema")
    imp = sub.add_parser("import", help="import a portfolio CSV (exit 1 if any row failed)")
    imp.add_argument("path")
    sub.add_parser("verify-audit", help="check the audit hash chain and its anchors (exit 1 when broken)")
    prg = sub.add_parser("purge", help="purge records past retention (compliance.yml retention_years); "
                                       "PURGE_DATABASE_URL, TRACKER_DB_URL")
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
    rec = sub.add_parser("reconcile", help="compare a provider's settlement CSV with the recorded payments "
                                           "(exit 1 when anything differs)")
    rec.add_argument("path", type=Path)
    _unlock_parser(sub)  # verification lockout (issue 11)
    _anchor_parser(sub)  # audit anchors (issue 11)
    parser.add_argument("--config-dir", type=Path, default=REPO_ROOT / "config",
                        help="where products.yml / compliance.yml live (default: <repo>/config)")
    args = parser.parse_args(argv)

    url = cli_audit.purge_database_url() if args.command == "purge" else database_url()
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
        if args.command == "unlock-verification":
            return _unlock_command(factory, args)
        if args.command == "anchor-audit":
            return cli_audit.anchor_command(factory, args.attest_purge)
        if args.command == "import":
            report = import_portfolio(
                factory, args.path, known_products=known_products(args.config_dir),
                known_jurisdictions=known_jurisdictions(args.config_dir),
                phone_regions=phone_regions(args.config_dir),
            )
            print("\n".join(report.lines()))
            return 0 if report.ok else 1
        if args.command == "reconcile":
            return _reconcile_command(factory, args.path)
        if args.command == "verify-audit":
            return cli_audit.verify_command(factory)
        with transaction(factory) as session:
            data = loan_summary(session, args.loan_id, grace_days=grace_days)
            if data is not None and args.audit:
                data = loan_audit(session, args.loan_id)
        if data is None:
            print(f"no loan {args.loan_id!r}", file=sys.stderr)
            return 1
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    finally:
        engine.dispose()



# --- audit anchors (issue 11): the chain head outside the database, see anchor.py ---

def _reconcile_command(factory, path: Path) -> int:
    try:
        with transaction(factory) as session:
            report = reconcile(session, path)
    except (OSError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


def _anchor_parser(sub) -> None:
    anchor = sub.add_parser("anchor-audit", help="append the audit chain's head to AUDIT_ANCHOR_FILE, "
                                                 "MAC'd with AUDIT_ANCHOR_KEY")
    anchor.add_argument("--attest-purge", type=int, metavar="SEQ",
                        help="anchor purge entry SEQ whose purge stopped before anchoring it (check it was yours)")


# --- verification lockout (issue 11): lift a lock once the borrower's identity was checked another way ---

def _unlock_parser(sub) -> None:
    unlock = sub.add_parser("unlock-verification",
                            help="lift the date-of-birth verification lock of a loan (or of a sender: --sender)")
    unlock.add_argument("subject", metavar="LOAN_ID")
    unlock.add_argument("--sender", action="store_true", help="LOAN_ID is a conversation id (sender) instead")
    unlock.add_argument("--by", help="the agent who checked the identity (audited as agent:<name>; default: system)")
    unlock.add_argument("--reason", help="how the identity was checked (audited)")


def _unlock_command(factory, args) -> int:
    from .verification import lift

    actor = f"agent:{args.by}" if args.by else "system"
    try:
        with transaction(factory) as session:
            lifted = lift(session, "sender" if args.sender else "loan", args.subject, actor=actor, reason=args.reason)
    except RecordError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    what = f"{'sender' if args.sender else 'loan'} {args.subject}"
    print(f"lifted {len(lifted)} verification lock(s) of {what}" if lifted else f"{what} was not locked")
    return 0


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
