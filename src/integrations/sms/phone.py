"""Phone numbers: parsed and checked with `phonenumbers`, E.164 out, default region KR.

A number without a `+` is read as a number of the default region (`010-1234-5678` →
`+821012345678`); one with `+` keeps its own country. Only numbers `phonenumbers` judges
valid (a real number range of a real country, not just the right length) are sent:
anything else gets a reason and never reaches SNS, which would charge for it or reject it.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers

__all__ = ["PhoneValidation", "mask_phone", "validate_phone_number"]


@dataclass(frozen=True, slots=True)
class PhoneValidation:
    """The outcome: `e164` when valid, else `reason`."""

    valid: bool
    e164: str | None = None
    reason: str | None = None


_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def validate_phone_number(raw: str, default_region: str = "KR") -> PhoneValidation:
    """`raw` checked and formatted as E.164, or the reason it is not a valid number.

    Args:
        raw: what the caller gave (`+82 10-1234-5678`, `01012345678`).
        default_region: ISO country code used when `raw` has no `+country` prefix.
    """
    if len(raw) > 64:
        return PhoneValidation(False, reason="too long")
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        return PhoneValidation(False, reason=_PARSE_REASONS.get(exc.error_type, "not a number"))
    if not phonenumbers.is_possible_number(number):
        return PhoneValidation(False, reason="wrong length for its country")
    if not phonenumbers.is_valid_number(number):
        return PhoneValidation(False, reason="not a number in use in its country's plan")
    return PhoneValidation(
        True, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    )


def mask_phone(number: str) -> str:
    """`+821012345678` → `+82******5678`: the country and the last four digits only."""
    digits = number.strip()
    if len(digits) < 8:
        return "***"
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
