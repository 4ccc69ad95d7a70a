"""Command line: python -m bot.records.cli {migrate|import PATH|verify-audit|loan LOAN_ID}.

Uses DATABASE_URL (default sqlite:///var/bot.db). Reads the product codes and
jurisdictions that the importer accepts from the operator's YAML config.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from .audit import verify_chain
from .db import REPO_ROOT, database_url, make_engine, make_session_factory, migrate, transaction
from .importer import import_portfolio
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.records.cli", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create / upgrade the database schema")
    imp = sub.add_parser("import", help="import a portfolio CSV (exit 1 if any row failed)")
    imp.add_argument("path")
    sub.add_parser("verify-audit", help="check the audit hash chain (exit 1 when broken)")
    loan = sub.add_parser("loan", help="print a loan summary as JSON")
    loan.add_argument("loan_id")
    loan.add_argument("--audit", action="store_true", help="print the loan's audit trail instead")
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


if __name__ == "__main__":
    sys.exit(main())
