"""사업자등록번호 (Korean business registration number): normalising and its check digit.

Ten digits, written `123-45-67890`. The last is a check digit over the first nine:

    s = d0*1 + d1*3 + d2*7 + d3*1 + d4*3 + d5*7 + d6*1 + d7*3 + d8*5 + (d8*5) // 10
    check = (10 - s % 10) % 10

A typo in any single digit changes the expected check digit, so checking it catches most
mistyped numbers before a search spends a call or a manual entry stores a wrong key.
"""

from __future__ import annotations

__all__ = ["business_number_problem", "normalise_business_number"]

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def normalise_business_number(text: str) -> str:
    """`text` without dashes and spaces (validity is not checked here)."""
    return text.replace("-", "").replace(" ", "").strip()


def business_number_problem(text: str) -> str | None:
    """Why `text` is not a valid business number, or None when it is."""
    digits = normalise_business_number(text)
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return "must be 10 digits (dashes allowed: 123-45-67890)"
    values = [int(c) for c in digits]
    total = sum(v * w for v, w in zip(values, _WEIGHTS, strict=False)) + (values[8] * 5) // 10
    if (10 - total % 10) % 10 != values[9]:
        return "check digit does not match: the number is mistyped"
    return None
