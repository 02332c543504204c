"""Deterministic fake data: reproducibility, formats, checksums, address consistency, speed."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.simulators import datagen_ko
from integrations.simulators.datagen import EMAIL_DOMAINS, DataGenerator, KoreanAddress, records

START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2025, 6, 30, 23, 59, 59, tzinfo=dt.UTC)

CALLS: dict[str, Callable[[DataGenerator], Any]] = {
    "uuid": lambda g: g.uuid(),
    "short_id": lambda g: g.short_id(),
    "short_id_prefixed": lambda g: g.short_id("doc_", 10),
    "first_name": lambda g: g.first_name(),
    "last_name": lambda g: g.last_name(),
    "full_name": lambda g: g.full_name(),
    "email": lambda g: g.email(),
    "email_named": lambda g: g.email("Jane Doe"),
    "phone": lambda g: g.phone(),
    "company": lambda g: g.company(),
    "sentence": lambda g: g.sentence(),
    "title": lambda g: g.title(),
    "timestamp": lambda g: g.timestamp(START, END),
    "choice": lambda g: g.choice(["a", "b", "c", "d"]),
    "integer": lambda g: g.integer(1, 1000),
    "money": lambda g: g.money(0, 5000),
    "korean_name": lambda g: g.korean_name(),
    "korean_phone": lambda g: g.korean_phone(),
    "korean_company": lambda g: g.korean_company(),
    "business_number": lambda g: g.business_number(),
    "korean_address": lambda g: g.korean_address(),
}
EMAIL_RE = re.compile(r"^[a-z0-9]+(\.[a-z0-9]+)*@[a-z0-9-]+(\.[a-z0-9-]+)+$")
RESERVED = re.compile(r"(^|\.)(example\.(com|org|net)|example|test)$")
WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
seeds = st.integers(min_value=0, max_value=2**64)


def reference_is_valid(number: str) -> bool:
    """Independent 사업자등록번호 check: the weighted sum including the check digit is 0 mod 10."""
    digits = [int(c) for c in number if c != "-"]
    total = sum(w * d for w, d in zip(WEIGHTS, digits[:9], strict=True))
    total += digits[8] * 5 // 10 + digits[9]
    return len(digits) == 10 and total % 10 == 0


@pytest.mark.parametrize("method", sorted(CALLS))
@given(seed=seeds)
def test_same_seed_same_sequence(method: str, seed: int) -> None:
    """Two generators with the same seed yield identical sequences for every method."""
    call = CALLS[method]
    first, second = DataGenerator(seed), DataGenerator(seed)
    assert [call(first) for _ in range(20)] == [call(second) for _ in range(20)]


def test_same_seed_same_mixed_sequence() -> None:
    """Interleaving every method in the same order reproduces the same values."""
    runs = []
    for _ in range(2):
        gen = DataGenerator(42)
        runs.append([call(gen) for _ in range(5) for call in CALLS.values()])
    assert runs[0] == runs[1]


@pytest.mark.parametrize("method", sorted(CALLS))
def test_different_seeds_differ(method: str) -> None:
    """Different seeds give different samples for every method."""
    call = CALLS[method]
    one, two = DataGenerator(1), DataGenerator(2)
    assert [call(one) for _ in range(30)] != [call(two) for _ in range(30)]
    first_values = {repr(call(DataGenerator(seed))) for seed in range(30)}
    assert len(first_values) > 1


@given(seed=seeds)
def test_uuid_and_short_id_formats(seed: int) -> None:
    """uuid() is a valid version-4 UUID and short_id() is prefix plus URL-safe characters."""
    gen = DataGenerator(seed)
    parsed = uuid.UUID(gen.uuid())
    assert parsed.version == 4
    assert str(parsed) == str(parsed).lower()
    assert re.fullmatch(r"[A-Za-z0-9]{22}", gen.short_id())
    assert re.fullmatch(r"tf_[A-Za-z0-9]{8}", gen.short_id("tf_", 8))


@given(seed=seeds)
def test_emails_valid_and_reserved(seed: int) -> None:
    """Emails are lowercase, well formed and on reserved example domains."""
    gen = DataGenerator(seed)
    for address in (gen.email(), gen.email(gen.full_name()), gen.email("Seán O'Neil-Smith")):
        assert EMAIL_RE.fullmatch(address), address
        assert address.split("@")[1] in EMAIL_DOMAINS
        assert RESERVED.search(address.split("@")[1])


def test_email_derived_from_name_and_domain() -> None:
    """A given name and domain shape the address; a non-Latin name falls back to user<n>."""
    gen = DataGenerator(7)
    assert gen.email("Jane Doe", "Example.COM") == "jane.doe@example.com"
    assert gen.email("Mary O'Neil").startswith("mary.oneil@")
    assert re.fullmatch(r"user\d+@.+", gen.email("김민준"))


@given(seed=seeds)
def test_phones_are_e164(seed: int) -> None:
    """US phones are E.164 in the 555 range and Korean mobiles are +8210 plus eight digits."""
    gen = DataGenerator(seed)
    assert re.fullmatch(r"\+1555[2-9]\d{6}", gen.phone())
    assert re.fullmatch(r"^\+8210\d{8}$", gen.korean_phone())


@given(seed=seeds)
def test_text_values_look_right(seed: int) -> None:
    """Names, companies, sentences and titles are non-empty and well shaped."""
    gen = DataGenerator(seed)
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][A-Za-z']+", gen.full_name())
    assert re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+( (Inc\.|LLC|Co\.|Ltd\.|Corp\.))?", gen.company())
    sentence = gen.sentence(5)
    assert sentence[0].isupper() and sentence.endswith(".") and len(sentence.split()) == 5
    assert 2 <= len(gen.title().split()) <= 6
    assert re.fullmatch(r"[가-힣]{3}", gen.korean_name())
    assert re.search(r"\(주\)|주식회사", gen.korean_company())


@given(seed=seeds)
def test_business_number_check_digit(seed: int) -> None:
    """Generated business numbers are formatted and pass an independent checksum."""
    number = DataGenerator(seed).business_number()
    assert re.fullmatch(r"\d{3}-\d{2}-\d{5}", number)
    assert reference_is_valid(number)
    assert datagen_ko.is_valid_business_number(number)


@given(seed=seeds, position=st.integers(0, 9), delta=st.integers(1, 9))
def test_business_number_mutation_fails(seed: int, position: int, delta: int) -> None:
    """Changing any single digit makes the number fail both checksums."""
    digits = DataGenerator(seed).business_number().replace("-", "")
    mutated = list(digits)
    mutated[position] = str((int(mutated[position]) + delta) % 10)
    bad = "".join(mutated)
    assert not reference_is_valid(bad)
    assert not datagen_ko.is_valid_business_number(f"{bad[:3]}-{bad[3:5]}-{bad[5:]}")


def test_business_number_known_values() -> None:
    """Published numbers validate, malformed input is rejected, and the helper checks length."""
    assert datagen_ko.is_valid_business_number("220-81-62517")
    assert datagen_ko.is_valid_business_number("1248100998")
    assert not datagen_ko.is_valid_business_number("220-81-6251")
    assert not datagen_ko.is_valid_business_number("22O-81-62517")
    with pytest.raises(ValueError, match="nine"):
        datagen_ko.business_number_check_digit("12345")


@given(seed=seeds)
def test_korean_address_consistent(seed: int) -> None:
    """Address fields agree with each other and codes have the right lengths."""
    addr = DataGenerator(seed).korean_address()
    assert isinstance(addr, KoreanAddress)
    prefix = f"{addr.sido} {addr.sigungu} "
    assert addr.road_address.startswith(prefix)
    assert addr.road_address == f"{prefix}{addr.road_name} {addr.building_no}"
    assert re.fullmatch(rf"{re.escape(prefix)}{addr.emd} \d+(-\d+)?", addr.jibun_address)
    assert re.fullmatch(r"\d{5}", addr.zip_code)
    assert re.fullmatch(r"\d{10}", addr.adm_code)
    assert re.fullmatch(r"\d{25}", addr.building_mgmt_no)
    assert addr.building_mgmt_no.startswith(addr.adm_code)
    assert re.fullmatch(r"\d+(-\d+)?", addr.building_no)
    assert addr.eng_address.startswith(f"{addr.building_no} ")
    assert addr.eng_address.isascii()


def test_korean_address_example_region() -> None:
    """The Gangnam entry pairs 역삼동 with 테헤란로 and Teheran-ro."""
    gen = DataGenerator(3)
    found = next(a for a in (gen.korean_address() for _ in range(500)) if a.emd == "역삼동")
    assert found.road_address.startswith("서울특별시 강남구 테헤란로 ")
    assert found.jibun_address.startswith("서울특별시 강남구 역삼동 ")
    assert found.eng_address.endswith(" Teheran-ro, Gangnam-gu, Seoul")
    with pytest.raises(AttributeError):
        found.zip_code = "00000"  # type: ignore[misc]


@given(
    seed=seeds,
    bounds=st.lists(
        st.datetimes(
            min_value=dt.datetime(1970, 1, 1),
            max_value=dt.datetime(2100, 1, 1),
            timezones=st.just(dt.UTC),
        ),
        min_size=2,
        max_size=2,
    ).map(sorted),
)
def test_timestamps_within_range_and_aware(seed: int, bounds: list[dt.datetime]) -> None:
    """Timestamps lie within [start, end] and are UTC-aware."""
    start, end = bounds
    moment = DataGenerator(seed).timestamp(start, end)
    assert start <= moment <= end
    assert moment.tzinfo is not None and moment.utcoffset() == dt.timedelta(0)


def test_timestamp_rejects_bad_bounds() -> None:
    """Naive datetimes and reversed bounds raise ValueError."""
    gen = DataGenerator()
    with pytest.raises(ValueError, match="aware"):
        gen.timestamp(dt.datetime(2024, 1, 1), END)
    with pytest.raises(ValueError, match="before"):
        gen.timestamp(END, START)


@given(seed=seeds, low=st.integers(0, 10**6), span=st.integers(0, 10**6))
def test_money_two_decimals_in_range(seed: int, low: int, span: int) -> None:
    """Money has exactly two decimals and lies within the bounds."""
    minimum, maximum = Decimal(low) / 100, Decimal(low + span) / 100
    amount = DataGenerator(seed).money(minimum, maximum)
    assert re.fullmatch(r"\d+\.\d{2}", amount)
    assert minimum <= Decimal(amount) <= maximum


def test_bounded_helpers() -> None:
    """integer is inclusive, choice picks from the sequence, and bad arguments raise."""
    gen = DataGenerator(5)
    assert {gen.integer(1, 3) for _ in range(200)} == {1, 2, 3}
    assert gen.choice(("x",)) == "x"
    with pytest.raises(IndexError):
        gen.choice([])
    with pytest.raises(ValueError, match="cent"):
        gen.money(1.001, 1.009)
    with pytest.raises(ValueError, match="words"):
        gen.sentence(0)
    with pytest.raises(ValueError, match="length"):
        gen.short_id(length=-1)


def _customer(gen: DataGenerator, index: int) -> dict[str, Any]:
    name = gen.full_name()
    return {
        "index": index,
        "id": gen.uuid(),
        "name": name,
        "email": gen.email(name),
        "phone": gen.phone(),
        "company": gen.company(),
        "created": gen.timestamp(START, END),
        "balance": gen.money(0, 10_000),
        "address": gen.korean_address(),
    }


def test_records_deterministic_and_ordered() -> None:
    """records() calls the factory count times in order and reproduces with the same seed."""
    first = records(DataGenerator(9), _customer, 50)
    assert [r["index"] for r in first] == list(range(50))
    assert first == records(DataGenerator(9), _customer, 50)
    assert first != records(DataGenerator(10), _customer, 50)
    assert records(DataGenerator(9), _customer, 0) == []
    with pytest.raises(ValueError, match="count"):
        records(DataGenerator(9), _customer, -1)


def test_ten_thousand_records() -> None:
    """Any volume generates: ten thousand records, distinct where ids are drawn."""
    rows = records(DataGenerator(1), _customer, 10_000)
    assert len(rows) == 10_000
    assert rows == records(DataGenerator(1), _customer, 10_000)
