"""Address search over real HTTP against the simulator: properties 16, 17 and 18 for both
providers, and the stale answer when the vendor fails."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.address import AddressIntegration
from integrations.address.exceptions import AddressNotFoundError, AddressServiceError
from integrations.core.clock import VirtualClock
from integrations.errors import ServiceUnavailableError
from integrations.simulators.address import AddressSimulator
from integrations.simulators.address_data import seeded_addresses
from integrations.simulators.faults import FaultPlan

DAY = 86_400.0
_DATA = seeded_addresses(0)
# Search words a user would type: road names, 동 names, 구 names and building names.
_WORDS = sorted(
    {a.base.road_name for a in _DATA}
    | {a.base.emd for a in _DATA}
    | {a.base.building_name for a in _DATA if a.base.building_name}
)
_PROPS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _expected(keyword: str) -> set[str]:
    tokens = keyword.split()
    return {
        a.base.road_address
        for a in _DATA
        if all(
            t in f"{a.base.road_address} {a.base.jibun_address} {a.base.building_name}"
            for t in tokens
        )
    }


async def _all_pages(client: AddressIntegration, keyword: str, per_page: int) -> list[str]:
    found: list[str] = []
    page = 1
    while True:
        answer = await client.search_address(keyword, page, per_page)
        found += [a.road_address for a in answer.results]
        if answer.is_end or not answer.results:
            return found
        page += 1


@_PROPS
@given(
    word=st.sampled_from(_WORDS),
    per_page=st.integers(1, 30),
    provider=st.sampled_from(["juso", "kakao"]),
)
async def test_property_16_search_finds_exactly_the_matching_addresses(
    juso: AddressIntegration, kakao: AddressIntegration, word: str, per_page: int, provider: str
) -> None:
    """Paging through a keyword's results yields every seeded address matching it, once,
    and no other; the total count says how many there are."""
    client = juso if provider == "juso" else kakao
    expected = _expected(word)

    found = await _all_pages(client, word, per_page)
    first = await client.search_address(word, 1, per_page)

    assert sorted(found) == sorted(expected)
    assert first.total_count == len(expected)


def _check_common(address: object) -> None:
    from integrations.address.models import Address

    assert isinstance(address, Address)
    assert re.fullmatch(r"\d{5}", address.zip_code)
    assert address.road_address.startswith(f"{address.sido} {address.sigungu} {address.road_name} ")
    assert address.jibun_address.startswith(
        f"{address.sido} {address.sigungu} {address.eupmyeondong} "
    )
    assert address.building_main_no >= 1 and address.building_sub_no >= 0
    assert re.fullmatch(r"\d{10}", address.legal_dong_code)


@_PROPS
@given(word=st.sampled_from(_WORDS))
async def test_property_17_result_structure_is_complete_for_both_providers(
    juso: AddressIntegration, kakao: AddressIntegration, word: str
) -> None:
    """Every juso result has zip, road/jibun/English forms, region parts, 법정동, road and
    building codes; every Kakao result the same parts plus 행정동 code and coordinates in
    Korea; numbers arrive as numbers."""
    for address in (await juso.search_address(word, 1, 20)).results:
        _check_common(address)
        assert address.english_address and address.road_name.split("로")[0]  # English form given
        assert address.building_code and re.fullmatch(r"\d{25}", address.building_code)
        assert address.road_name_code and address.road_name_code.isdigit()
        assert address.longitude is None and address.latitude is None  # juso gives none
    for address in (await kakao.search_address(word, 1, 20)).results:
        _check_common(address)
        assert address.admin_dong_code and re.fullmatch(r"\d{10}", address.admin_dong_code)
        assert address.longitude is not None and 124 < address.longitude < 132
        assert address.latitude is not None and 33 < address.latitude < 39


@_PROPS
@given(word=st.sampled_from(_WORDS), provider=st.sampled_from(["juso", "kakao"]))
async def test_property_18_searches_are_cached_for_the_ttl(
    juso: AddressIntegration,
    kakao: AddressIntegration,
    sim: AddressSimulator,
    clock: VirtualClock,
    word: str,
    provider: str,
) -> None:
    """A repeated search within a day is answered from the cache without reaching the vendor,
    with the same results; after the day it goes to the vendor again."""
    client = juso if provider == "juso" else kakao
    await client.cache.invalidate("address")
    sim.journal.clear()

    first = await client.search_address(word, 1, 5)
    clock.advance(DAY - 1)
    again = await client.search_address(word, 1, 5)
    vendor_calls_within_day = len(sim.journal)
    clock.advance(2)
    later = await client.search_address(word, 1, 5)

    assert (first.source, again.source, later.source) == ("live", "cache", "live")
    assert again.results == first.results
    assert vendor_calls_within_day == 1
    assert len(sim.journal) == 2


async def test_the_cache_ttl_is_configurable(
    sim_url: str, sim: AddressSimulator, clock: VirtualClock
) -> None:
    """A spec with a 60 s TTL goes back to the vendor after a minute."""
    import dataclasses

    from tests.integrations.address.conftest import make_client

    client = make_client("juso", sim_url, clock)
    client = AddressIntegration(
        dataclasses.replace(client.spec, cache_ttl_seconds=60.0),
        credentials={"juso_key": "k-0123456789"},
        clock=clock,
        environ={},
        dotenv=None,
    )
    await client.search_address("테헤란로", 1, 5)
    clock.advance(61)
    answer = await client.search_address("테헤란로", 1, 5)
    await client.aclose()
    assert answer.source == "live"


@pytest.mark.parametrize("provider", ["juso", "kakao"])
async def test_failure_serves_the_last_good_answer_marked_stale(
    juso: AddressIntegration,
    kakao: AddressIntegration,
    sim: AddressSimulator,
    clock: VirtualClock,
    provider: str,
) -> None:
    """After the cache expired, a vendor outage (503s) answers the last good page marked
    stale with its exact age; the results are the ones seen before."""
    client = juso if provider == "juso" else kakao
    good = await client.search_address("테헤란로", 1, 5)
    clock.advance(3 * DAY)
    sim.faults.set("*", FaultPlan(error_rate=1.0, error_statuses=[503]))

    stale = await client.search_address("테헤란로", 1, 5)

    assert stale.stale and stale.source == "stale"
    assert stale.stale_age_seconds == pytest.approx(3 * DAY)
    assert stale.results == good.results


async def test_juso_system_error_without_a_kept_answer_is_a_clear_error(
    juso: AddressIntegration, sim: AddressSimulator
) -> None:
    """juso -999 on every attempt, with nothing kept for the keyword: AddressServiceError
    (a ServiceUnavailableError, retried first)."""
    sim.juso_system_errors = 10

    with pytest.raises(AddressServiceError) as caught:
        await juso.search_address("세종대로", 1, 5)

    assert isinstance(caught.value, ServiceUnavailableError)
    assert len(sim.journal) == 2  # the spec's two attempts


async def test_juso_system_error_is_covered_by_a_stale_answer(
    juso: AddressIntegration, sim: AddressSimulator, clock: VirtualClock
) -> None:
    """A -999 answered with HTTP 200 is neither cached nor returned as an empty page."""
    await juso.search_address("세종대로", 1, 5)
    clock.advance(DAY + 1)
    sim.juso_system_errors = 10

    answer = await juso.search_address("세종대로", 1, 5)

    assert answer.stale and answer.results
    sim.juso_system_errors = 0
    assert (await juso.search_address("세종대로", 1, 5)).source == "live"


@pytest.mark.parametrize("provider", ["juso", "kakao"])
async def test_details_by_id(
    juso: AddressIntegration, kakao: AddressIntegration, provider: str
) -> None:
    """Every id a search returns gives back that same address; a foreign id is not found."""
    client = juso if provider == "juso" else kakao
    page = await client.search_address("대학로", 1, 10)
    assert page.results

    for address in page.results:
        details = await client.get_address_details(address.id)
        assert details.address == address

    with pytest.raises(AddressNotFoundError):
        await client.get_address_details("bm90LW9uZS1vZi1vdXJz")
