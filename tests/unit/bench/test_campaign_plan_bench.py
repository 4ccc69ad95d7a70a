"""bench/campaign_plan.py: the portfolio it builds is one the planner reads, as yesterday's run left it.

Behaviour only (the timings are figures in bench/results/campaigns.md, never an
assertion). The words of the catalogue are judged in tests/unit/campaigns; here
the text check is stubbed so the test stays fast and loads no encoder.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bench import campaign_plan as bench
from bot.campaigns import plan
from bot.campaigns.run import plan_for, prepare
from bot.compliance.decision import ALLOW
from bot.records.db import transaction
from bot.records.models import Arrangement, Borrower, Loan, OutboundSend

DAY = bench.DEFAULT_DATE
LOANS = 300


@pytest.fixture(autouse=True)
def words_allowed(monkeypatch):
    monkeypatch.setattr(plan.TextChecks, "__call__", lambda self, text, profile: ALLOW)


@pytest.fixture(scope="module")
def portfolio():
    return bench.build(LOANS, DAY)


@pytest.fixture
def factory(tmp_path, portfolio):
    return bench.create_database(f"sqlite:///{tmp_path / 'bench.db'}", portfolio)


def test_the_portfolio_spreads_over_every_profile_product_and_kind_of_loan(portfolio):
    assert {b["timezone"] for b in portfolio.borrowers} == {tz for _, tz, *_ in bench.PLACES}
    assert {b["jurisdiction"] for b in portfolio.borrowers} == {j for j, *_ in bench.PLACES}
    assert {loan["product_code"] for loan in portfolio.loans} == set(bench.PRODUCTS)
    offsets = [(loan["due_date"] - DAY).days for loan in portfolio.loans]
    assert min(offsets) >= -100 and max(offsets) <= 10
    plans = sum(1 for a in portfolio.arrangements if a["kind"] == "instalment_plan")
    assert 0.08 * LOANS <= plans <= 0.2 * LOANS
    assert {c["direction"] for c in portfolio.contacts} == {"in", "out"}
    assert any(b["cease_contact"] for b in portfolio.borrowers) or any(b["opted_out_channels"] for b in portfolio.borrowers)
    assert bench.build(LOANS, DAY).loans == portfolio.loans  # seeded: the same portfolio every run


def test_the_bench_moments_fall_on_the_bench_date_in_every_zone():
    now = datetime.combine(DAY, time(8), tzinfo=timezone.utc)
    assert all(bench.local_date_ok(DAY, now, tz) for _, tz, *_ in bench.PLACES)
    assert not bench.local_date_ok(DAY, now + timedelta(hours=3), "Pacific/Kiritimati")


def test_the_planner_reads_the_rows_and_every_dropped_line_names_its_rule(factory):
    with transaction(factory) as s:
        assert s.scalar(select(func.count()).select_from(Loan)) == LOANS
        assert s.scalar(select(func.count()).select_from(Arrangement)) > 0
        assert s.scalar(select(func.count()).select_from(Borrower)) == LOANS * 4 // 5
    lines = plan_for(factory, DAY, channels=bench.CHANNELS)
    assert lines, "no loan has a step on the bench date"
    assert {line["local_date"] for line in lines} == {DAY.isoformat()}
    assert all(line["rule"] and line["reason"] for line in lines if line["status"] == "dropped")
    assert all(line["channel"] for line in lines if line["status"] != "dropped")
    steps = Counter(line["stage"] for line in lines)
    assert {"reminder", "contact"} <= set(steps)
    summary = bench._lines_summary(lines)
    assert summary["planned"] + summary["dropped"] == len(lines)
    assert sum(summary["rules"].values()) == summary["dropped"]


def test_prepare_stores_the_days_plan_once_and_an_hour_later_finds_nothing_to_do(factory):
    now = datetime.combine(DAY, time(8), tzinfo=timezone.utc)
    first = prepare(factory, now, channels=bench.CHANNELS)
    assert first.planned > 0
    with transaction(factory) as s:
        stored = s.scalar(select(func.count()).select_from(OutboundSend))
    assert stored == first.planned + first.dropped
    again = prepare(factory, now + timedelta(hours=1), channels=bench.CHANNELS)
    assert (again.planned, again.dropped, again.moved) == (0, 0, 0)


def test_the_report_carries_the_table_the_command_and_the_machine():
    result = {"loans": 1000, "date": DAY.isoformat(), "rows": {"loans": 1000}, "build_s": 1.0, "warm_up_s": 2.0,
              "runs": [dict(run="plan_for (read-only)", planned=70, moved=2, dropped=5, rules={"cease_contact": 5},
                            seconds=10.0, rss=500.0),
                       dict(run="prepare, first run of the day", planned=70, moved=2, dropped=5, rules={},
                            seconds=80.0, rss=600.0)]}
    text = bench.report(result, "python bench/campaign_plan.py --loans 1000")
    assert "| plan_for (read-only) | 10.0 | 100 | 70 | 2 | 5 | 500 |" in text
    assert "cease_contact 5" in text and "**MISSED**" in text
    assert "`python bench/campaign_plan.py --loans 1000`" in text and "nproc" in text
