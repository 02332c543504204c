"""NICE D&B searches over real HTTP against the assumed-contract simulator: properties 3-6,
the OAuth client-credentials token, and the configurable contract."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.core.clock import VirtualClock
from integrations.errors import (
    BadRequestError,
    ConfigError,
    NotFoundError,
    ServiceUnavailableError,
)
from integrations.nicednb import NiceDnbIntegration
from integrations.nicednb.business_number import business_number_problem
from integrations.nicednb.contract import contract_from_env
from integrations.simulators.faults import FaultPlan
from integrations.simulators.nicednb import NiceDnbSimulator, seeded_companies
from tests.integrations.nicednb.conftest import make_client

DAY = 86_400.0
_DATA = seeded_companies(0)
_NUMBERS = [c.record["bizNo"] for c in _DATA]
_CEOS = sorted({c.record["ceoNm"] for c in _DATA})
_NAME_PARTS = sorted(
    {c.record["cmpNm"].replace("(주)", "").replace("주식회사 ", "")[:2] for c in _DATA}
)
_PROPS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _valid_number(seed: int) -> str:
    """A business number with a correct check digit (most are not in the data set)."""
    rng = random.Random(seed)
    first = f"{rng.randint(100, 999)}{rng.randint(10, 99)}{rng.randint(0, 9999):04d}"
    return next(
        first + str(d) for d in range(10) if business_number_problem(first + str(d)) is None
    )


@_PROPS
@given(index=st.integers(0, len(_NUMBERS) - 1), dashed=st.booleans())
async def test_property_3_company_by_number_finds_exactly_that_company(
    client: NiceDnbIntegration, index: int, dashed: bool
) -> None:
    """An existing business number (with or without dashes) finds that one company."""
    number = _NUMBERS[index]
    typed = f"{number[:3]}-{number[3:5]}-{number[5:]}" if dashed else number

    found = await client.search_company(business_number=typed)

    assert [c.business_number for c in found.companies] == [number]
    assert found.companies[0].name == _DATA[index].record["cmpNm"]


@_PROPS
@given(seed=st.integers(0, 10**6))
async def test_property_3_nothing_else_is_found(client: NiceDnbIntegration, seed: int) -> None:
    """A valid number that is not in the data set finds nothing."""
    number = _valid_number(seed)
    found = await client.search_company(business_number=number)
    assert [c.business_number for c in found.companies] == ([number] if number in _NUMBERS else [])


@_PROPS
@given(part=st.sampled_from(_NAME_PARTS))
async def test_property_3_name_search_finds_every_match_and_only_matches(
    client: NiceDnbIntegration, part: str
) -> None:
    """A name part finds exactly the companies whose name contains it."""
    found = await client.search_company(name=part)
    expected = {c.record["bizNo"] for c in _DATA if part in c.record["cmpNm"]}
    assert {c.business_number for c in found.companies} == expected
    assert all(part in c.name for c in found.companies)


@_PROPS
@given(ceo=st.sampled_from(_CEOS), with_birth=st.booleans())
async def test_property_4_representative_search(
    client: NiceDnbIntegration, ceo: str, with_birth: bool
) -> None:
    """A representative's name finds every company they represent and no other; with a
    birth date, only those of that person."""
    mine = [c for c in _DATA if c.record["ceoNm"] == ceo]
    birth = mine[0].ceo_birth if with_birth else None
    expected = {c.record["bizNo"] for c in mine if birth is None or c.ceo_birth == birth}

    found = await client.search_representative(ceo, birth)

    assert {c.business_number for c in found.companies} == expected
    assert all(c.representative == ceo for c in found.companies)


@_PROPS
@given(index=st.integers(0, len(_NUMBERS) - 1), within=st.floats(0, DAY - 1))
async def test_property_5_responses_cached_for_24_hours(
    client: NiceDnbIntegration,
    sim: NiceDnbSimulator,
    clock: VirtualClock,
    index: int,
    within: float,
) -> None:
    """Within 24 h a repeated search is answered from the cache (no request reaches NICE
    D&B); after 24 h it is asked again."""
    await client.cache.invalidate("nicednb")
    await client.search_company(business_number=_NUMBERS[index])
    searches = len(sim.journal.all(method="GET"))

    clock.advance(within)
    cached = await client.search_company(business_number=_NUMBERS[index])
    searches_within = len(sim.journal.all(method="GET"))
    clock.advance(DAY - within + 1)
    fresh = await client.search_company(business_number=_NUMBERS[index])

    assert cached.source == "cache" and cached.companies and not cached.stale
    assert searches_within == searches
    assert fresh.source == "live"
    assert len(sim.journal.all(method="GET")) == searches + 1


@_PROPS
@given(index=st.integers(0, len(_NUMBERS) - 1), age_days=st.floats(1.01, 25))
async def test_property_6_failure_returns_cached_data_marked_stale(
    client: NiceDnbIntegration,
    sim: NiceDnbSimulator,
    clock: VirtualClock,
    index: int,
    age_days: float,
) -> None:
    """When NICE D&B fails after the cache expired, the last good record comes back with
    `stale=True` and its exact age."""
    sim.faults.clear()
    good = await client.search_company(business_number=_NUMBERS[index])
    clock.advance(age_days * DAY)
    sim.faults.set("GET /nice/api/*", FaultPlan(error_rate=1.0, error_statuses=[503]))

    stale = await client.search_company(business_number=_NUMBERS[index])

    assert stale.stale and stale.source == "stale"
    assert stale.stale_age_seconds == pytest.approx(age_days * DAY)
    assert stale.companies == good.companies
    sim.faults.clear()


async def test_failure_with_nothing_cached_is_a_clear_error(
    client: NiceDnbIntegration, sim: NiceDnbSimulator
) -> None:
    """No earlier answer: the mapped error itself."""
    sim.faults.set("GET /nice/api/*", FaultPlan(error_rate=1.0, error_statuses=[503]))
    with pytest.raises(ServiceUnavailableError):
        await client.search_company(business_number=_NUMBERS[0])


async def test_token_is_fetched_once_and_refreshed_after_expiry(
    client: NiceDnbIntegration, sim: NiceDnbSimulator, clock: VirtualClock
) -> None:
    """One token serves many searches; a token past its lifetime is replaced, and a token
    the vendor revoked (401) is replaced once and the search retried."""
    await client.search_company(name="테크")
    await client.search_representative(_CEOS[0])
    tokens = sim.journal.all(method="POST", path="/nice/oauth/v1.0/accesstoken")
    assert len(tokens) == 1
    assert tokens[0].body and b"client_credentials" in tokens[0].body

    clock.advance(3600)
    await client.search_representative(_CEOS[1])
    assert len(sim.journal.all(method="POST")) == 2

    sim.tokens.clear()  # revoked at the vendor
    found = await client.search_representative(_CEOS[2])
    assert found.companies and len(sim.journal.all(method="POST")) == 3


@pytest.mark.parametrize("bad", ["1234567890", "12-34", "abcdefghij", "220-81-62518"])
async def test_a_bad_business_number_is_refused_before_sending(
    client: NiceDnbIntegration, sim: NiceDnbSimulator, bad: str
) -> None:
    """A wrong length, letters or a wrong check digit: BadRequestError naming the field."""
    with pytest.raises(BadRequestError) as caught:
        await client.search_company(business_number=bad)
    assert set(caught.value.field_errors) == {"business_number"}
    assert len(sim.journal) == 0


@given(number=st.sampled_from(_NUMBERS), position=st.integers(0, 9), delta=st.integers(1, 9))
def test_any_single_mistyped_digit_is_caught(number: str, position: int, delta: int) -> None:
    """Changing one digit of a valid number always fails the check."""
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert business_number_problem(number) is None
    assert business_number_problem("".join(digits)) is not None


async def test_paths_and_field_names_are_configuration(
    sim_url: str, sim: NiceDnbSimulator, clock: VirtualClock
) -> None:
    """A contract naming another company path sends there; unknown fields are refused."""
    contract = contract_from_env({"NICEDNB_CONTRACT": '{"company_path": "/nice/api/v2/firms"}'})
    client = make_client(sim_url, clock, contract=contract)
    try:
        with pytest.raises(NotFoundError):  # the simulator has no such path
            await client.search_company(name="테크")
    finally:
        await client.aclose()
    assert sim.journal.all(path="/nice/api/v2/firms")
    with pytest.raises(ConfigError, match="unknown fields"):
        contract_from_env({"NICEDNB_CONTRACT": '{"company_paht": "/x"}'})
