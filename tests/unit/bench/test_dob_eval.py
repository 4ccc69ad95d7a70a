"""bench/dob_eval.py takes the date of birth as action_verify takes it: readings by order, else the value."""
from __future__ import annotations

from datetime import date

from bench.dob_eval import typed_dob


def test_readings_by_field_order_are_kept_for_the_jurisdictions_rule():
    parse = {"entities": [{"entity": "date_of_birth", "value": "1990-03-12",
                           "readings": {"DMY": "1990-03-12", "MDY": "1990-12-03"}}]}
    typed, readings = typed_dob(parse)
    assert typed == date(1990, 3, 12) and readings == {"DMY": date(1990, 3, 12), "MDY": date(1990, 12, 3)}


def test_a_plain_value_or_nothing():
    assert typed_dob({"entities": [{"entity": "date_of_birth", "value": "1999-02-14"}]}) == (date(1999, 2, 14), None)
    assert typed_dob({"entities": [{"entity": "date", "value": "2027-03-03"}]}) == (None, None)
