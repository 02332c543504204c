"""The manual-entry fallback: the admin API stores validated entries, and searches return
them (flagged `source=manual`) when NICE D&B fails with nothing cached or finds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest
from sqlalchemy import func, select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.core.clock import VirtualClock
from integrations.errors import CircuitOpenError, ServiceUnavailableError
from integrations.nicednb import NiceDnbIntegration
from integrations.nicednb import operations as ops
from integrations.services import Services
from integrations.simulators.faults import FaultPlan
from integrations.simulators.nicednb import NiceDnbSimulator
from integrations.storage.tables_companies import ManualCompanyRow

URL = "/api/v1/integrations/nicednb/manual-entries"
AUTH = {"Authorization": "Bearer test-admin-token-0123456789"}
ENTRY = {"business_number": "220-81-62517", "name": "(주)수기입력테크", "representative": "홍길동"}


@pytest.fixture(name="api")
async def _api(settings: Settings, services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def _rows(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ManualCompanyRow)) or 0)


async def test_an_entry_is_stored_and_replaced(api: httpx2.AsyncClient, services: Services) -> None:
    """201 with the company flagged manual, number without dashes; the same number again
    replaces it (still one row)."""
    first = await api.post(URL, json=ENTRY, headers=AUTH)
    again = await api.post(URL, json={**ENTRY, "name": "(주)수기입력랩스"}, headers=AUTH)

    assert first.status_code == 201, first.text
    assert first.json() == {
        "company": {
            "business_number": "2208162517",
            "name": "(주)수기입력테크",
            "name_en": None,
            "representative": "홍길동",
            "address": None,
            "industry": None,
            "established": None,
            "credit_grade": None,
            "source": "manual",
        },
        "replaced": False,
    }
    assert (
        again.json()["replaced"] is True and again.json()["company"]["name"] == "(주)수기입력랩스"
    )
    assert await _rows(services) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**ENTRY, "business_number": "220-81-62518"}, "business_number"),
        ({**ENTRY, "business_number": "12345"}, "business_number"),
        ({**ENTRY, "business_number": "가나다라마바사아자차"}, "business_number"),
        ({**ENTRY, "name": ""}, "name"),
        ({**ENTRY, "established": "2020-01-01"}, "established"),
        ({k: v for k, v in ENTRY.items() if k != "name"}, "name"),
        ({**ENTRY, "grade": "A"}, "grade"),
    ],
    ids=["check-digit", "length", "letters", "empty-name", "date-format", "no-name", "unknown"],
)
async def test_bad_input_is_422_naming_the_field(
    api: httpx2.AsyncClient, services: Services, body: dict[str, str], field: str
) -> None:
    """Bad input answers 422 with the field named, and stores nothing."""
    response = await api.post(URL, json=body, headers=AUTH)

    assert response.status_code == 422, response.text
    assert field in response.text
    assert await _rows(services) == 0


async def test_401_without_token(api: httpx2.AsyncClient, services: Services) -> None:
    """No admin token: 401 and nothing stored."""
    response = await api.post(URL, json=ENTRY)
    assert response.status_code == 401
    assert await _rows(services) == 0


async def test_search_falls_back_to_manual_entries(
    api: httpx2.AsyncClient,
    services: Services,
    sim: NiceDnbSimulator,
    client: NiceDnbIntegration,
) -> None:
    """NICE D&B down, nothing cached: the manual entry answers for its number, name and
    representative, flagged manual; an unknown number still fails with the vendor's error
    (or the open breaker's)."""
    assert (await api.post(URL, json=ENTRY, headers=AUTH)).status_code == 201
    sim.faults.set("GET /nice/api/*", FaultPlan(error_rate=1.0, error_statuses=[503]))

    by_number = await ops.search_company(client, services.db, business_number="2208162517")
    by_name = await ops.search_company(client, services.db, name="수기입력")
    by_ceo = await ops.search_representative(client, services.db, name="홍길동")

    for found in (by_number, by_name, by_ceo):
        assert found.source == "manual"
        assert [(c.business_number, c.source) for c in found.companies] == [
            ("2208162517", "manual")
        ]
    with pytest.raises((ServiceUnavailableError, CircuitOpenError)):  # the breaker opened
        await ops.search_company(client, services.db, business_number="1048100015")


async def test_manual_entries_answer_when_nice_finds_nothing(
    api: httpx2.AsyncClient, services: Services, client: NiceDnbIntegration
) -> None:
    """NICE D&B up but without the company: the manual entry answers."""
    assert (await api.post(URL, json=ENTRY, headers=AUTH)).status_code == 201

    found = await ops.search_company(client, services.db, business_number="220-81-62517")

    assert found.source == "manual" and found.companies[0].name == "(주)수기입력테크"


async def test_stale_cache_wins_over_manual_entries(
    api: httpx2.AsyncClient,
    services: Services,
    sim: NiceDnbSimulator,
    client: NiceDnbIntegration,
    clock: VirtualClock,
) -> None:
    """With a kept NICE D&B answer, a failure answers it (stale) rather than manual data."""
    name = "테크"
    good = await ops.search_company(client, services.db, name=name)
    await api.post(URL, json={**ENTRY, "name": "(주)수기테크"}, headers=AUTH)
    clock.advance(2 * 86_400)
    sim.faults.set("GET /nice/api/*", FaultPlan(error_rate=1.0, error_statuses=[503]))

    found = await ops.search_company(client, services.db, name=name)

    assert found.stale and found.companies == good.companies
