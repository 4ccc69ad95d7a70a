"""Identifiers: loan references ("LN-20931") and the last four digits of a phone.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.nlu.normalise import view
from bot.nlu.normalise.money import _CUR_ANY


# Without the LN prefix a number is a reference only when a loan/ref/account
# word names it; "loan 77310" needs 5+ digits so "a loan 5000" stays money.
_LOAN_RE = re.compile(
    r"\bLN[\s\-_#:.]*(?P<d>\d{4,8})\b"
    r"|\b(?:loan\s*(?:no\.?|number|num|#|ref(?:erence)?|id|acc(?:ount)?)|ref(?:erence)?(?:\s*(?:no\.?|number|num|#|code|id))?"
    # one whitespace run per gap: "\s*[:#.]?\s*" could split a run of spaces n ways (quadratic)
    # not the first group of a longer spaced number: "Ref no. 5013 472 889 106" is a payment's (round 9 (dev))
    r"|acc(?:oun)?t\s*(?:no\.?|number|num|#))\s*(?:is\s*)?(?:[:#.]\s*)?(?:LN[\s\-_]*)?(?P<d2>\d{4,8})\b(?![.,]\d|\s\d)"
    # "loan 77310", but not "took loan 50000" / "a loan 50000" / "loan 50000 ksh" (money)
    r"|(?<!took\s)(?<!take\s)(?<!got\s)(?<!get\s)(?<!borrowed\s)(?<!for\s)(?<!a\s)"
    r"\bloan\s+(?:is\s+)?(?P<d3>\d{5,8})\b(?![.,]\d|\s*(?:/=|[kK]\b|" + _CUR_ANY + "))"
    # Chinese: "借款编号 20931", "合同号: 20931" (the view parts Han from digits with a space)
    r"|(?:借款|贷款|貸款|合同|订单|訂單)?(?:编号|編號|单号|單號|合同号|合同號)\s*(?:是|为|為)?\s*[:#]?\s*(?P<d4>\d{4,8})\b",
    re.I,
)


def loan_value(m: re.Match) -> str:
    """The normalised reference of a `_LOAN_RE` match."""
    return f"LN-{m.group('d') or m.group('d2') or m.group('d3') or m.group('d4')}"


def parse_loan_reference(text: str) -> Optional[str]:
    """'ln 20931' / 'loan no 20931' / 'ＬＮ－２０９３１' -> 'LN-20931'."""
    text = view.read(text)
    m = _LOAN_RE.search(text)
    if m:
        return loan_value(m)
    m = re.fullmatch(r"\s*(\d{4,8})\s*", text)
    return f"LN-{m.group(1)}" if m else None


# Four digits, also typed spaced out ("4 8 2 1", "48-21").
_FOUR = r"(?<![\d,.])\d(?:[ \-]?\d){3}(?![\d,.]\d|\d)"
_PHONE_RE = re.compile(
    rf"\blast\s+(?:(?:4|four)\b(?!\s*(?:days?|weeks?|months?|years?|times?|payments?|instal|install))\s*(?:(?:digits?|numbers?|nos?|nums?)\b)?|(?:digits?|numbers?|nums?)\b)[^\d]{{0,40}}?(?P<d>{_FOUR})"
    rf"|\b(?:phone|number|no|line|mobile|cell|digits)\s+(?:\w+\s+)?end(?:s|ing)?\s+(?:in\s+|with\s+)?(?P<d2>{_FOUR})"
    rf"|\bend(?:s|ing)?\s+(?:in|with)\s+(?P<d3>(?!(?:19|20)\d\d\b){_FOUR})"
    # Chinese: "尾号4821", "手机尾号是4821", "后四位4821", "最后四位是 5566" (四 is 4 in the view)
    rf"|(?:尾号|尾號|尾数|尾數|(?:最后|最後|后|後|末)\s*4\s*位(?:数字|數字|号码|號碼)?)\s*(?:是|为|為)?\s*[:]?\s*(?P<d4>{_FOUR})(?!\s*年)",
    re.I,
)


def _phone_group(m: re.Match) -> str:
    return next(g for g in ("d", "d2", "d3", "d4") if m.group(g))


def parse_phone_last4(text: str) -> Optional[str]:
    text = view.read(text)
    m = _PHONE_RE.search(text)
    if m:
        return re.sub(r"\D", "", m.group(_phone_group(m)))
    digits = re.sub(r"\D", "", text)
    return digits[-4:] if len(digits) >= 4 else None
