"""The blind panel's loans as one import CSV (bench/panel.py).

Each panel file describes one loan as the borrower's side sees it: reference,
balance, due date, date of birth, the last four digits of the phone. The
product has no movable clock, so the panel's `now` cannot be set: instead
every due date is shifted by (today in the borrower's zone - the panel's date),
so the days overdue the bot sees are the panel's. The shift is kept per loan
so the transcript can say what a date the borrower wrote means to the bot.
"""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
import yaml

FIELDS = ["loan_id", "borrower_id", "full_name", "phone", "date_of_birth", "timezone", "jurisdiction", "currency",
          "principal", "outstanding_principal", "accrued_interest", "late_fees", "due_date", "product_code",
          "email", "telegram_user_id", "language"]
PRODUCT = "WALLET-30"
NOW = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})\s+([A-Za-z_]+/[A-Za-z_/]+)")


@dataclass(frozen=True)
class Panel:
    """One panel file: what the harness needs, plus the `expected` block as written."""

    id: str
    persona: str
    jurisdiction: str
    now: str
    loan: dict
    turns: tuple[str, ...]
    expected: dict
    expected_text: str

    @property
    def now_date(self) -> date:
        return date.fromisoformat(NOW.match(self.now).group(1))

    @property
    def moment(self) -> datetime | None:
        """The panel's `now` as a moment in its zone (None when the zone is unknown)."""
        found, zone = NOW.match(self.now), self.zone
        if not found or not zone:
            return None
        return datetime.fromisoformat(f"{found.group(1)}T{found.group(2)}").replace(tzinfo=ZoneInfo(zone))

    @property
    def zone(self) -> str | None:
        """The IANA zone the panel's `now` is written in (the borrower's own)."""
        found = NOW.match(self.now)
        try:
            return ZoneInfo(found.group(3)).key if found else None
        except (ZoneInfoNotFoundError, ValueError):
            return None


def read_panel(path: Path) -> Panel:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    block = text[text.index("\nexpected:") + 1:].rstrip("\n")
    return Panel(data["id"], data["persona"], data["jurisdiction"], data["now"], data["loan"],
                 tuple(str(t) for t in data["turns"]), data["expected"], block)


def read_panels(folder: Path, only: set[str] | None = None) -> list[Panel]:
    panels = [read_panel(p) for p in sorted(folder.glob("panel*.yml"))]
    if only:
        missing = only - {p.id for p in panels}
        if missing:
            raise SystemExit(f"no panel file for: {', '.join(sorted(missing))}")
        panels = [p for p in panels if p.id in only]
    return panels


def demo_defaults(demo_csv: Path) -> dict[str, tuple[str, str]]:
    """{jurisdiction: (language, timezone)} as the demo portfolio writes them, most common first;
    a jurisdiction the demo lacks falls back to DEFAULT's."""
    seen: dict[str, Counter] = defaultdict(Counter)
    with demo_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            seen[row["jurisdiction"]][(row["language"] or "en", row["timezone"])] += 1
    return {j: counts.most_common(1)[0][0] for j, counts in seen.items()}


def phone_for(region: str, last4: str, salt: int) -> str:
    """A valid mobile number of `region` (E.164) ending in `last4`; `salt` keeps numbers apart."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    for attempt in range(1000):
        middle = f"{(salt * 37 + attempt) % 1000:03d}"
        digits = national[:-7] + middle + last4 if len(national) >= 8 else national[:-4] + last4
        number = phonenumbers.parse(f"+{example.country_code}{digits}", None)
        if phonenumbers.is_valid_number_for_region(number, region):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValueError(f"no valid {region} number ends in {last4}")


def split_balance(balance: Decimal, principal: Decimal | None) -> tuple[Decimal, Decimal, Decimal]:
    """(outstanding principal, accrued interest, late fees) that sum exactly to `balance`:
    the principal lent when the panel gives it (nothing repaid yet), a third of the rest as fees."""
    exponent = Decimal(1) if balance == balance.to_integral_value() else Decimal("0.01")
    if principal is None or principal > balance:
        principal = (balance * Decimal("0.87")).quantize(exponent, ROUND_HALF_UP)
    rest = balance - principal
    fees = (rest / 3).quantize(exponent, ROUND_HALF_UP)
    return principal, rest - fees, fees


def date_shift(panel: Panel, zone: str, now: datetime | None = None) -> int:
    """Days from the panel's date to today in `zone`: add them to any date the panel names."""
    today = (now or datetime.now(ZoneInfo(zone))).astimezone(ZoneInfo(zone)).date()
    return (today - panel.now_date).days


def loan_row(panel: Panel, index: int, regions: dict[str, str], defaults: dict[str, tuple[str, str]],
             now: datetime | None = None, panel_clock: bool = False) -> tuple[dict, int]:
    """(the CSV row for this panel's loan, the date shift in days; 0 when the bot runs on the
    panel's own clock, bench/panel.py --panel-clock)."""
    loan = panel.loan
    jurisdiction = loan.get("jurisdiction", panel.jurisdiction)
    language, demo_zone = defaults.get(jurisdiction) or defaults.get("DEFAULT", ("en", "UTC"))
    zone = panel.zone or demo_zone
    shift = 0 if panel_clock else date_shift(panel, zone, now)
    balance = Decimal(str(loan["balance"]))
    lent = Decimal(str(loan["principal"])) if loan.get("principal") is not None else None
    principal, interest, fees = split_balance(balance, lent)
    due = date.fromisoformat(str(loan["due_date"])) + timedelta(days=shift)
    row = {
        "loan_id": loan["reference"], "borrower_id": f"PANEL-{panel.id}", "full_name": f"Panel borrower {panel.id}",
        "phone": phone_for(regions[jurisdiction], str(loan["phone_last4"]), index),
        "date_of_birth": str(loan["date_of_birth"]), "timezone": zone, "jurisdiction": jurisdiction,
        "currency": loan["currency"], "principal": str(lent if lent is not None else principal),
        "outstanding_principal": str(principal), "accrued_interest": str(interest), "late_fees": str(fees),
        "due_date": due.isoformat(), "product_code": str(loan.get("product_code") or PRODUCT),  # round 6 names it
        "email": "", "telegram_user_id": "",
        "language": language,
    }
    return row, shift


def write_portfolio(panels: list[Panel], out: Path, regions: dict[str, str], demo_csv: Path,
                    now: datetime | None = None, panel_clock: bool = False) -> dict[str, tuple[dict, int]]:
    """Writes the import CSV; {panel id: (row, shift)}."""
    defaults = demo_defaults(demo_csv)
    built = {p.id: loan_row(p, i, regions, defaults, now, panel_clock) for i, p in enumerate(panels)}
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for row, _ in built.values():
            writer.writerow(row)
    return built


def phone_regions(compliance_yml: Path) -> dict[str, str]:
    """{jurisdiction: phone_region} from config/compliance.yml (read as plain YAML, so another
    checkout's file works the same)."""
    profiles = yaml.safe_load(compliance_yml.read_text(encoding="utf-8"))["profiles"]
    return {name: p["phone_region"] for name, p in profiles.items() if p.get("phone_region")}
