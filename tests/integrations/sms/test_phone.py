"""Property 12: phone validation accepts exactly the valid numbers, in E.164; sizes."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.sms.exceptions import MessageTooLongError
from integrations.sms.message import measure_sms
from integrations.sms.phone import mask_phone, validate_phone_number

_RAW = st.one_of(
    st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True),
    st.from_regex(r"0[0-9]{8,10}", fullmatch=True),
    st.from_regex(r"010-[0-9]{4}-[0-9]{4}", fullmatch=True),
    st.text(max_size=20),
)


def _reference(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "KR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@given(raw=_RAW)
def test_property_12_accepts_exactly_the_valid_numbers(raw: str) -> None:
    """Valid exactly when phonenumbers says so; then E.164 (+, <= 15 digits), else a reason."""
    check = validate_phone_number(raw)
    assert check.e164 == _reference(raw)
    assert check.valid == (check.e164 is not None)
    if check.valid:
        assert check.e164 is not None and check.e164.startswith("+")
        assert check.e164[1:].isdigit() and len(check.e164) <= 16
    else:
        assert check.reason


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        pytest.param("010-1234-5678", "+821012345678", id="kr-mobile-local"),
        pytest.param("+82 10 1234 5678", "+821012345678", id="kr-international"),
        pytest.param("02-312-3456", "+8223123456", id="seoul-landline"),
        pytest.param("+1 650-253-0000", "+16502530000", id="us"),
    ],
)
def test_written_forms_become_e164(raw: str, e164: str) -> None:
    """Common written forms come out in E.164."""
    assert validate_phone_number(raw).e164 == e164


def test_mask_keeps_country_and_last_four() -> None:
    """A masked number shows its country code and last four digits only."""
    assert mask_phone("+821012345678") == "+82******5678"


def test_sizes_parts_and_the_1600_byte_limit() -> None:
    """GSM-7 parts of 160/153, UCS-2 of 70/67; over 1,600 bytes is refused."""
    assert measure_sms("a" * 160).parts == 1 and measure_sms("a" * 161).parts == 2
    assert measure_sms("가" * 70).parts == 1 and measure_sms("가" * 71).parts == 2
    with pytest.raises(MessageTooLongError):
        measure_sms("가" * 534)  # 1,602 bytes in UTF-8
