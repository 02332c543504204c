"""Every juso E-code and Kakao error form maps to its error class, over real HTTP."""

from __future__ import annotations

import pytest

from integrations.address import AddressIntegration
from integrations.address.exceptions import (
    JUSO_ERRORS,
    AddressKeyError,
    AddressKeyExpiredError,
    AddressKeywordError,
    AddressQuotaExceededError,
    AddressServiceError,
    AddressTooManyResultsError,
)
from integrations.core.clock import VirtualClock
from integrations.errors import BadRequestError
from integrations.simulators.address import AddressSimulator
from tests.integrations.address.conftest import make_client

# E-code → a keyword juso refuses with it.
KEYWORDS = {
    "E0005": "   ",
    "E0006": "서울특별시",
    "E0008": "강",
    "E0009": "12345",
    "E0010": "가" * 41,
    "E0011": "테헤란로 12345678901",
    "E0012": "12-34 #5",
    "E0013": "테헤란로 union select",
}


def test_every_documented_code_has_an_error() -> None:
    """The table covers juso's thirteen error codes."""
    documented = {"-999", "E0001", "E0005", "E0006", "E0008", "E0009", "E0010"}
    documented |= {"E0011", "E0012", "E0013", "E0014", "E0015"}
    assert set(JUSO_ERRORS) == documented
    assert set(KEYWORDS) | {"-999", "E0001", "E0014", "E0015"} == documented


@pytest.mark.parametrize(("code", "keyword"), sorted(KEYWORDS.items()))
async def test_keyword_codes_are_keyword_errors_naming_the_field(
    juso: AddressIntegration, code: str, keyword: str
) -> None:
    """A keyword juso cannot search is an AddressKeywordError naming `keyword` and the code."""
    with pytest.raises(AddressKeywordError) as caught:
        await juso.search_address(keyword, 1, 10)

    assert f"juso {code}" in str(caught.value)
    assert set(caught.value.field_errors) == {"keyword"}
    assert caught.value.retryable is False


async def test_e0015_too_many_results(juso: AddressIntegration, sim: AddressSimulator) -> None:
    """More matches than juso returns: AddressTooManyResultsError, not a keyword error."""
    sim.max_results = 20

    with pytest.raises(AddressTooManyResultsError) as caught:
        await juso.search_address("서울특별시 강남구", 1, 10)

    assert not isinstance(caught.value, AddressKeywordError)
    assert isinstance(caught.value, BadRequestError) and "E0015" in str(caught.value)


@pytest.mark.parametrize(
    ("key", "error", "code"),
    [
        ("unapproved-key", AddressKeyError, "E0001"),
        ("expired-dev-key", AddressKeyExpiredError, "E0014"),
    ],
)
async def test_key_codes_are_key_errors(
    sim_url: str, clock: VirtualClock, key: str, error: type[Exception], code: str
) -> None:
    """A refused key is an AddressKeyError (expired: its subclass), never a keyword error."""
    client = make_client("juso", sim_url, clock)
    client.credentials["juso_key"] = key
    try:
        with pytest.raises(error) as caught:
            await client.search_address("테헤란로", 1, 10)
    finally:
        await client.aclose()
    assert code in str(caught.value) and not isinstance(caught.value, AddressKeywordError)


async def test_system_error_code(juso: AddressIntegration, sim: AddressSimulator) -> None:
    """-999 is AddressServiceError, retryable."""
    sim.juso_system_errors = 5
    with pytest.raises(AddressServiceError) as caught:
        await juso.search_address("테헤란로", 1, 10)
    assert caught.value.retryable


async def test_numbers_arrive_as_strings_and_leave_as_numbers(
    juso: AddressIntegration, sim_url: str
) -> None:
    """juso's page counts are strings on the wire and ints in the model; zips keep zeros."""
    import httpx2

    async with httpx2.AsyncClient(base_url=sim_url) as http:
        raw = (
            await http.get(
                "/addrlink/addrLinkApi.do",
                params={"confmKey": "k1", "keyword": "테헤란로", "resultType": "json"},
            )
        ).json()
    answer = await juso.search_address("테헤란로", 1, 10)

    assert raw["results"]["common"]["totalCount"] == str(answer.total_count)
    assert isinstance(raw["results"]["juso"][0]["buldMnnm"], str)
    assert answer.results[0].building_main_no == int(raw["results"]["juso"][0]["buldMnnm"])
    assert any(a.zip_code.startswith("0") for a in answer.results)


async def test_kakao_wrong_key(sim_url: str, sim: AddressSimulator, clock: VirtualClock) -> None:
    """Kakao's 401 AccessDeniedError is an AddressKeyError."""
    sim.kakao_keys = {"the-only-key"}
    client = make_client("kakao", sim_url, clock)
    try:
        with pytest.raises(AddressKeyError):
            await client.search_address("테헤란로", 1, 10)
    finally:
        await client.aclose()


async def test_kakao_quota(kakao: AddressIntegration, sim: AddressSimulator) -> None:
    """Kakao's platform error -10 (HTTP 400) is AddressQuotaExceededError, not retried."""
    sim.kakao_quota = 1
    await kakao.search_address("테헤란로", 1, 10)
    sim.journal.clear()

    with pytest.raises(AddressQuotaExceededError):
        await kakao.search_address("대학로", 1, 10)

    assert len(sim.journal) == 1


async def test_kakao_page_size_limit_is_refused_before_sending(
    kakao: AddressIntegration, sim: AddressSimulator
) -> None:
    """Kakao serves at most 30 per page: 31 is refused naming `per_page`, nothing sent."""
    with pytest.raises(BadRequestError) as caught:
        await kakao.search_address("테헤란로", 1, 31)
    assert set(caught.value.field_errors) == {"per_page"}
    assert len(sim.journal) == 0


def test_unknown_provider_is_a_config_error() -> None:
    """A provider other than juso or kakao is refused at construction, naming both."""
    from integrations.errors import ConfigError

    with pytest.raises(ConfigError, match="juso, kakao"):
        AddressIntegration(
            credentials={"provider": "daum", "juso_key": "x"}, environ={}, dotenv=None
        )
