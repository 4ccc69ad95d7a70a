"""Portfolio import: validation with line numbers, idempotent re-import,
newer files update without erasing history."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.records import cli
from bot.records.importer import import_portfolio
from bot.records.models import AuditEntry, Borrower, Loan
from bot.records.queries import find_loan, loan_state
from bot.records.writes import (
    record_arrangement, record_contact, record_payment, set_contact_preferences,
)
from tests.support.records_fixtures import JURISDICTIONS, PRODUCTS, TODAY
from tests.support.config_files import write_variant

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "data" / "demo" / "portfolio.csv"
BAD = REPO / "tests" / "data" / "portfolio_bad.csv"
HEADER = DEMO.read_text(encoding="utf-8").splitlines()[0]


PHONE_REGIONS = cli.phone_regions()  # config/compliance.yml's phone_region of each profile


def run_import(db, path, phone_regions=PHONE_REGIONS):
    return import_portfolio(db.factory, path, known_products=PRODUCTS,
                            known_jurisdictions=JURISDICTIONS, phone_regions=phone_regions)


def audit_count(db) -> int:
    with db.session() as s:
        return s.execute(select(func.count(AuditEntry.seq))).scalar_one()


def write_csv(tmp_path, name, rows, header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


@pytest.fixture(scope="module")
def demo(records_db):
    report = run_import(records_db, DEMO)
    assert report.errors == []
    return report


def test_demo_portfolio_imports_cleanly(records_db, demo):
    assert (demo.created, demo.updated, demo.unchanged) == (20, 0, 0)
    with records_db.session() as s:
        assert s.execute(select(func.count(Borrower.id))).scalar_one() == 18
        linked = s.execute(select(Borrower).where(Borrower.telegram_user_id.is_not(None))).scalars().all()
        assert [b.borrower_id for b in linked] == ["BR-1001"]
        due = s.execute(select(Loan.due_date)).scalars().all()
    assert all(3 <= (TODAY - d).days <= 90 for d in due)


def test_loan_state_from_demo(records_db, demo):
    with records_db.session() as s:
        state = loan_state(s, "ln 20931", today=TODAY)
    assert state["loan_id"] == "LN-20931"
    assert state["currency"] == "KES"
    assert (state["outstanding_principal"], state["accrued_interest"], state["late_fees"]) == \
        ("12500.00", "860.00", "500.00")
    assert state["total"] == "13860.00"
    assert state["due_date"] == "2026-11-12" and state["days_overdue"] == 18
    assert state["jurisdiction"] == "KE" and state["timezone"] == "Africa/Nairobi"
    assert state["other_loan_ids"] == ["LN-20932"]
    assert state["arrangements_count"] == 0 and state["active_arrangement"] is None


def test_reimport_changes_nothing_and_writes_no_audit(records_db, demo):
    before = audit_count(records_db)
    report = run_import(records_db, DEMO)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 20, [])
    assert audit_count(records_db) == before


def test_bad_rows_are_reported_by_line_and_good_rows_still_import(records_db):
    report = run_import(records_db, BAD)
    assert report.created == 2
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17]
    assert "E.164" in lines[3]
    assert "not a real date" in lines[4]
    assert "Africa/Atlantis" in lines[5]
    assert "ISO 4217" in lines[6]
    assert "'1e3'" in lines[7]
    assert "late_fees" in lines[8]
    assert "PAYDAY-7" in lines[9]
    assert "'XX'" in lines[10]
    assert "telegram_user_id" in lines[11]
    assert "duplicate loan_id" in lines[12] and "line 2" in lines[12]
    assert "full_name" in lines[13]
    assert "17 fields" in lines[14]
    assert "differ from line 15" in lines[16]
    assert "due_date" in lines[17]
    with records_db.session() as s:
        ids = set(s.execute(select(Loan.loan_id).where(Loan.loan_id.like("BAD-%"))).scalars())
        assert ids == {"BAD-1", "BAD-14"}
        assert s.execute(select(Borrower).where(Borrower.borrower_id == "BB-2")).first() is None
        good = find_loan(s, "BAD-14")
        assert good.borrower.full_name == "Good Row, Two"
        assert good.borrower.telegram_user_id == 123456789
        assert good.late_fees == Decimal("0")


def test_newer_file_updates_balances_but_keeps_history(records_db, demo, tmp_path):
    with records_db.session() as s:
        record_arrangement(
            s, loan_id="LN-20940", kind="instalment_plan",
            schedule=[(date(2026, 12, 15), Decimal("100000.00")), (date(2027, 1, 15), Decimal("115750.00"))],
            terms={"instalments": 2}, actor="bot", idempotency_key="imp-arr-1",
        )
        record_payment(s, reference="imp-pay-1", loan_id="LN-20940", amount=Decimal("5000.00"),
                       currency="KES", paid_at=datetime.now(timezone.utc))
        record_contact(s, borrower_id="BR-1002", loan_id="LN-20940", channel="sms",
                       direction="out", kind="reminder")
        set_contact_preferences(s, borrower_id="BR-1002", actor="bot", reason="STOP",
                                opt_out=["sms"])
        # paid after the demo import: not in the lender's figures yet
        assert loan_state(s, "LN-20940", today=TODAY)["payments_since_import"] == "5000.00"
    audit_before = audit_count(records_db)
    rows = [line for line in DEMO.read_text(encoding="utf-8").splitlines()[1:]]
    newer = [line.replace("198000.00,14250.00,3500.00,2026-09-20", "190000.00,14900.00,3500.00,2026-09-21")
             for line in rows]
    assert newer != rows
    report = run_import(records_db, write_csv(tmp_path, "newer.csv", newer))
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 19, [])
    assert audit_count(records_db) == audit_before + 1
    with records_db.session() as s:
        loan = find_loan(s, "LN-20940")
        assert loan.outstanding_principal == Decimal("190000.00")
        assert loan.due_date == date(2026, 9, 21)
        assert [a.idempotency_key for a in loan.arrangements] == ["imp-arr-1"]
        assert loan.arrangements[0].status == "active" and loan.status == "in_arrangement"
        assert [p.reference for p in loan.payments] == ["imp-pay-1"]
        assert loan.borrower.opted_out_channels == ["sms"]
        entry = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
        assert entry.kind == "record_change" and entry.actor == "import"
        assert entry.payload["loan"]["outstanding_principal"] == ["198000.00", "190000.00"]
        # the import's new figures already include the earlier payment
        state = loan_state(s, "LN-20940", today=TODAY)
        assert state["total"] == "208400.00" and state["payments_since_import"] == "0.00"


def test_currency_change_is_refused(records_db, demo, tmp_path):
    row = next(l for l in DEMO.read_text(encoding="utf-8").splitlines() if l.startswith("LN-20990"))
    report = run_import(records_db, write_csv(tmp_path, "cur.csv", [row.replace(",USD,", ",EUR,")]))
    assert report.errors and report.errors[0][0] == 2 and "currency" in report.errors[0][1]


def test_header_problems_import_nothing(records_db, tmp_path):
    row = "HDR-1,HB-1,Header Test,+254700000001,1990-01-01,Africa/Nairobi,KE,KES,1,1,0,0,2026-11-01,WALLET-30,,,en"
    missing = write_csv(tmp_path, "missing.csv", [row.rsplit(",", 1)[0]], header=HEADER.rsplit(",", 1)[0].replace("late_fees,", "fees,"))
    report = run_import(records_db, missing)
    assert report.errors[0][0] == 1 and "missing column(s): late_fees" in report.errors[0][1]
    assert "unknown column(s): fees" in report.errors[0][1]
    extra = write_csv(tmp_path, "extra.csv", [row + ",x"], header=HEADER + ",branch")
    report = run_import(records_db, extra)
    assert report.errors == [(1, report.errors[0][1])] and "branch" in report.errors[0][1]
    assert report.created == 0


def test_bom_empty_and_non_utf8_files(records_db, tmp_path):
    row = "BOM-1,BOMB-1,Bom Test,+254700000002,1990-01-01,Africa/Nairobi,KE,KES,1,1,0,0,2026-11-01,WALLET-30,,,en"
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (HEADER + "\r\n" + row + "\r\n").encode())
    assert run_import(records_db, bom).created == 1
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert run_import(records_db, empty).errors == [(1, "file is empty: expected a header row")]
    latin = write_csv(tmp_path, "latin.csv", [row.replace("BOM-1", "LAT-1").replace("Bom Test", "Jos\xe9")],
                      encoding="latin-1")
    report = run_import(records_db, latin)
    assert report.errors[0][0] == 2 and "UTF-8" in report.errors[0][1]
    assert run_import(records_db, tmp_path / "nope.csv").errors[0][0] == 0


def test_cli_import_exit_codes(records_db, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("DATABASE_URL", records_db.url)
    monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))  # not another database's anchors
    # The CLI reads the typed configuration (bot.config): whole files, here with only three profiles.
    write_variant(tmp_path / "products.yml", "products.yml")
    write_variant(tmp_path / "compliance.yml", "compliance.yml", edit=lambda d: d.update(
        profiles={name: p for name, p in d["profiles"].items() if name in ("DEFAULT", "KE", "IN")}))
    args = ["--config-dir", str(tmp_path)]
    assert cli.main([*args, "import", str(BAD)]) == 1
    out = capsys.readouterr().out
    assert "line 3: phone" in out and "unknown jurisdiction 'XX' (known: DEFAULT, IN, KE)" in out
    assert cli.main([*args, "import", str(DEMO)]) == 1  # PH, US, ... are not profiles here
    ok = write_csv(tmp_path, "ok.csv", [
        "CLI-1,CLIB-1,Cli Test,+254700000003,1990-01-01,Africa/Nairobi,KE,KES,10,10,0,0,2026-11-01,WALLET-30,,,en"])
    assert cli.main([*args, "import", str(ok)]) == 0
    assert "created 1" in capsys.readouterr().out
    assert cli.main(["loan", "cli1"]) == 0
    assert '"loan_id": "CLI-1"' in capsys.readouterr().out
    assert cli.main(["loan", "NOPE-1"]) == 1
    assert cli.main(["verify-audit"]) == 0
    assert capsys.readouterr().out.strip().endswith("OK")


def test_database_refusal_rolls_back_only_that_row(records_db, tmp_path, monkeypatch):
    from sqlalchemy.exc import IntegrityError
    from bot.records import importer

    real = importer._write_row

    def flaky(session, row, source):
        outcome = real(session, row, source)  # writes, then the database "refuses"
        if row["loan_id"] == "DBR-2":
            raise IntegrityError("INSERT", {}, Exception("simulated constraint violation"))
        return outcome

    monkeypatch.setattr(importer, "_write_row", flaky)
    rows = [f"DBR-{i},DBRB-{i},Db Refusal,+25470000010{i},1990-01-01,Africa/Nairobi,KE,KES,1,1,0,0,2026-11-01,WALLET-30,,,en"
            for i in (1, 2, 3)]
    before = audit_count(records_db)
    report = run_import(records_db, write_csv(tmp_path, "dbr.csv", rows))
    assert report.created == 2
    assert report.errors == [(3, "database refused the row: simulated constraint violation")]
    assert audit_count(records_db) == before + 2
    with records_db.session() as s:
        assert find_loan(s, "DBR-2") is None
        assert s.execute(select(Borrower).where(Borrower.borrower_id == "DBRB-2")).first() is None
        assert find_loan(s, "DBR-3") is not None
        from bot.records.audit import verify_chain
        assert verify_chain(s) is None


# --- phone formats (issue 12): national formats read in the row's jurisdiction ---

def _phone_row(n: int, phone: str, jurisdiction: str, tz: str = "Africa/Nairobi", currency: str = "KES") -> str:
    return (f"PH-{n},PHB-{n},Phone Test {n},{phone},1990-01-01,{tz},{jurisdiction},{currency},"
            "10,10,0,0,2026-11-01,WALLET-30,,,en")


def test_national_phone_formats_are_stored_as_e164(records_db, tmp_path):
    from bot.channels.identity import normalise_phone
    from bot.records.queries import find_borrower_by_phone

    path = write_csv(tmp_path, "phones.csv", [
        _phone_row(1, "0722 000 111", "KE"),                               # Kenyan national format
        _phone_row(2, "(202) 555-0199", "US", "America/New_York", "USD"),  # US (xxx) xxx-xxxx
        _phone_row(3, "+254733000222", "KE"),                              # E.164 kept as given
        _phone_row(4, "+2348031230000", "DEFAULT"),                        # no region: E.164 still fine
    ])
    report = run_import(records_db, path)
    assert report.errors == [] and report.created == 4
    with records_db.session() as s:
        phones = {b.borrower_id: b.phone for b in s.execute(
            select(Borrower).where(Borrower.borrower_id.like("PHB-%"))).scalars()}
        assert phones == {"PHB-1": "+254722000111", "PHB-2": "+12025550199",
                          "PHB-3": "+254733000222", "PHB-4": "+2348031230000"}
        # What Telegram sends for the same number (digits, no +) finds the imported borrower.
        assert normalise_phone("254722000111") == "+254722000111"
        assert find_borrower_by_phone(s, normalise_phone("254722000111")).borrower_id == "PHB-1"
        assert find_borrower_by_phone(s, normalise_phone("+1 202 555 0199")).borrower_id == "PHB-2"
    # The same national-format file again is unchanged: the stored E.164 compares equal.
    again = run_import(records_db, path)
    assert (again.errors, again.unchanged, again.created, again.updated) == ([], 4, 0, 0)


def test_invalid_or_regionless_national_phone_is_refused_by_line(records_db, tmp_path):
    report = run_import(records_db, write_csv(tmp_path, "badphones.csv", [
        _phone_row(11, "0722 000 112", "KE"),
        _phone_row(12, "0722 00", "KE"),           # too short for Kenya
        _phone_row(13, "0722 000 113", "DEFAULT"),  # no region: national format cannot be read
        _phone_row(14, "not a phone", "KE"),
    ]))
    assert report.created == 1
    lines = dict(report.errors)
    assert sorted(lines) == [3, 4, 5]
    assert "'0722 00' is not a valid number for KE" in lines[3] and "E.164" in lines[3]
    assert "must be E.164" in lines[4] and "DEFAULT has no region" in lines[4]
    assert "'not a phone' is not a valid number for KE" in lines[5]
    with records_db.session() as s:
        ids = set(s.execute(select(Loan.loan_id).where(Loan.loan_id.in_(
            ["PH-11", "PH-12", "PH-13", "PH-14"]))).scalars())
        assert ids == {"PH-11"}


def test_phone_regions_come_from_compliance_yml(records_db, monkeypatch, tmp_path, capsys):
    assert PHONE_REGIONS == {"US": "US", "US-MA": "US", "UK": "GB", "CN": "CN", "IN": "IN", "PH": "PH",
                             "ID": "ID", "KE": "KE", "NG": "NG"}  # DEFAULT has none
    kenyan = write_csv(tmp_path, "kenyan.csv", [_phone_row(21, "0722 000 121", "KE")])
    assert "KE has no region" in run_import(records_db, kenyan, phone_regions=None).errors[0][1]
    # Through the CLI: without KE's phone_region the national format is refused, with it imported.
    monkeypatch.setenv("DATABASE_URL", records_db.url)
    monkeypatch.setenv("AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    write_variant(tmp_path / "products.yml", "products.yml")
    write_variant(tmp_path / "compliance.yml", "compliance.yml", {"profiles": {"KE": {"phone_region": None}}})
    args = ["--config-dir", str(tmp_path)]
    assert cli.phone_regions(tmp_path).get("KE") is None
    assert cli.main([*args, "import", str(kenyan)]) == 1
    assert "line 2: phone must be E.164" in capsys.readouterr().out
    write_variant(tmp_path / "compliance.yml", "compliance.yml")
    assert cli.main([*args, "import", str(kenyan)]) == 0
    with records_db.session() as s:
        assert s.execute(select(Borrower.phone).where(Borrower.borrower_id == "PHB-21")).scalar_one() == \
            "+254722000121"


# --- codes in any case (issue 13): stored as the configuration spells them ---

def _code_row(n: int, jurisdiction: str, currency: str, product: str, phone: str = "+254711000{:03d}") -> str:
    return (f"CC-{n},CCB-{n},Code Test {n},{phone.format(n)},1990-01-01,Africa/Nairobi,{jurisdiction},{currency},"
            f"10,10,0,0,2026-11-01,{product},,,en")


def test_codes_in_any_case_are_stored_as_configured(records_db, tmp_path):
    path = write_csv(tmp_path, "codes.csv", [
        _code_row(1, "ke", "kes", "wallet-30"),
        _code_row(2, "Ke", "Kes", "Wallet-90"),
        _code_row(3, "us-ma", "usd", "sme-180", phone="+1202555{:04d}"),
        _code_row(4, "KE", "KES", "WALLET-30"),
        _code_row(5, "kenya", "kes", "wallet-30"),    # not a profile in any case
        _code_row(6, "ke", "kes", "wallet-31"),       # not a product in any case
        _code_row(7, "ke", "kesh", "wallet-30"),      # not a currency code
    ])
    report = run_import(records_db, path)
    assert report.created == 4
    errors = dict(report.errors)
    assert sorted(errors) == [6, 7, 8]
    assert "unknown jurisdiction 'kenya'" in errors[6]
    assert "unknown product_code 'wallet-31'" in errors[7]
    assert "currency must be an ISO 4217 code" in errors[8]
    with records_db.session() as s:
        stored = {loan.loan_id: (loan.borrower.jurisdiction, loan.currency, loan.product_code)
                  for loan in s.execute(select(Loan).where(Loan.loan_id.like("CC-%"))).scalars()}
    assert stored == {"CC-1": ("KE", "KES", "WALLET-30"), "CC-2": ("KE", "KES", "WALLET-90"),
                      "CC-3": ("US-MA", "USD", "SME-180"), "CC-4": ("KE", "KES", "WALLET-30")}
    # The same rows in upper case are the same records: nothing changes on re-import.
    upper = write_csv(tmp_path, "upper.csv", [_code_row(1, "KE", "KES", "WALLET-30"),
                                              _code_row(3, "US-MA", "USD", "SME-180", phone="+1202555{:04d}")])
    again = run_import(records_db, upper)
    assert (again.errors, again.unchanged, again.created, again.updated) == ([], 2, 0, 0)


def test_codes_without_configuration_are_upper_cased(records_db):
    from bot.records.importer import validate_row

    row = dict(zip(HEADER.split(","), _code_row(9, "us-ma", "usd", "Wallet-30", phone="+1202555{:04d}").split(",")))
    clean = validate_row(row, None, None)
    assert (clean["jurisdiction"], clean["currency"], clean["product_code"]) == ("US-MA", "USD", "Wallet-30")
