"""A provider's settlement file against the recorded payments: every difference named, nothing written."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from bot.records import writes
from bot.records.cli import main as cli
from tests.support.records_fixtures import add_loan

HEADER = "reference,loan_id,amount,currency,paid_at\n"


def paid(db, reference: str, loan_id: str, amount: str, day: int) -> None:
    with db.session() as s:
        writes.record_payment(s, reference=reference, loan_id=loan_id, amount=Decimal(amount), currency="KES",
                              paid_at=datetime(2026, 12, day, 9, tzinfo=timezone.utc))


def test_every_kind_of_difference_is_named_with_its_line(records_db, tmp_path, monkeypatch, capsys):
    add_loan(records_db, "RC-1")
    paid(records_db, "MP-1", "RC-1", "100.00", 2)
    paid(records_db, "MP-2", "RC-1", "50.00", 3)   # the provider's file lacks it
    paid(records_db, "MP-3", "RC-1", "70.00", 3)   # the file says another amount
    paid(records_db, "MP-9", "RC-1", "10.00", 20)  # outside the file's dates: not compared
    settlement = tmp_path / "settlement.csv"
    settlement.write_text(HEADER + "\n".join([
        "MP-1,RC-1,100.00,KES,2026-12-02T12:00:00+03:00",
        "MP-3,RC-1,75.00,KES,2026-12-03T12:00:00+03:00",
        "MP-4,RC-1,20.00,kes,2026-12-04T08:00:00Z",  # never reached us
        "MP-5,RC-1,-5,KES,2026-12-04T08:00:00Z",
        "MP-1,RC-1,100.00,KES,2026-12-02T12:00:00+03:00",
    ]) + "\n")
    monkeypatch.setenv("DATABASE_URL", records_db.url)
    assert cli(["reconcile", str(settlement)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "settled 4, matched 1, missing in records 1, missing in file 1, different 1, bad rows 2"
    assert "bad row: line 5: amount '-5' must be above zero" in out
    assert "bad row: line 6: reference 'MP-1' already on line 2" in out
    assert any(line.startswith("missing in records: MP-4 (line 4, RC-1, 20.00 KES)") for line in out)
    assert any(line.startswith("missing in file: MP-2 (RC-1, 50.00 KES") for line in out)
    assert "different: MP-3: file RC-1 75.00 KES, records RC-1 70.00 KES" in out
    assert not any("MP-9" in line for line in out)


def test_a_matching_file_exits_zero_and_a_wrong_header_is_refused(records_db, tmp_path, monkeypatch, capsys):
    add_loan(records_db, "RC-2")
    paid(records_db, "MP-21", "RC-2", "10.00", 10)
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "MP-21,RC-2,10.00,KES,2026-12-10T09:00:00Z\n")
    monkeypatch.setenv("DATABASE_URL", records_db.url)
    assert cli(["reconcile", str(good)]) == 0
    assert capsys.readouterr().out.startswith("settled 1, matched 1, missing in records 0, missing in file 0")
    bad = tmp_path / "bad.csv"
    bad.write_text("ref,amount\nMP-21,10\n")
    assert cli(["reconcile", str(bad)]) == 2
    assert "the header lacks reference, loan_id, currency, paid_at" in capsys.readouterr().err
