"""Address and NICE D&B through a 5xx storm, as their READMEs document it: the last good
answer of a search is served `stale` (with its age) while the vendor fails and after the
breaker opened; the health check raises the `breaker_open` alert, and once the storm ends
and the reset timeout passed, answers are live again and the alert is resolved.

Both simulators are served on 127.0.0.1; the clients come from the factory in live mode at
the served URL, on a virtual clock (cache TTL, stale age, reset timeout: nothing waits).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators import address, nicednb
from integrations.storage.tables import AlertRow, HealthRow
from integrations.telemetry.alerts import AlertManager
from integrations.telemetry.health import CircuitHealthWriter
from integrations.telemetry.health_monitor import HealthMonitor
from tests.chaos.logwatch import LogWatch
from tests.chaos.storms import breaker_state, calm, storm
from tests.chaos.vendors import NICE_APP, clock_now
from tests.helpers.http_server import serve_app

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

DAY = 86_400.0


@dataclass(frozen=True)
class Fallback:
    name: str
    simulator: Any
    credentials: dict[str, str]
    search: Any

    def __str__(self) -> str:
        return self.name


def _nice_sim() -> Any:
    sim = nicednb.create_simulator(seed=0)
    sim.app_keys = {NICE_APP["app_key"]: NICE_APP["app_secret"]}
    return sim


async def _juso_search(client: Any) -> Any:
    return await client.search_address("세종대로 110")


async def _nice_search(client: Any) -> Any:
    return await client.search_company(name="삼성")


CASES = (
    Fallback(
        "address",
        lambda: address.create_simulator(seed=0),
        {"provider": "juso", "juso_key": "devU01TXsimulatedjusokey"},
        _juso_search,
    ),
    Fallback("nicednb", _nice_sim, NICE_APP, _nice_search),
)


@pytest.fixture(name="case", params=CASES, ids=str)
def _case(request: pytest.FixtureRequest) -> Fallback:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return clock_now()


@pytest.fixture(name="url")
def _url(case: Fallback, clock: VirtualClock) -> Iterator[str]:
    sim = case.simulator()
    sim.clock.source = clock.now
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(name="factory")
async def _factory(
    services: Services, case: Fallback, url: str, clock: VirtualClock
) -> AsyncIterator[IntegrationFactory]:
    fields = {"enabled": True, "mode": "live", "base_url": url, "credentials": case.credentials}
    await services.update_config(
        case.name, IntegrationSettingsUpdate.model_validate(fields), changed_by="test"
    )
    factory = IntegrationFactory(
        services, clock=clock, circuit_listeners=[CircuitHealthWriter(services.db)]
    )
    yield factory
    await factory.close()


async def _alert(services: Services, name: str) -> str | None:
    async with services.db.sessions() as session:
        row = await session.scalar(
            select(AlertRow)
            .where(AlertRow.dedupe_key == f"breaker:{name}")
            .order_by(AlertRow.id.desc())
            .limit(1)
        )
    return None if row is None else row.status


async def _circuit_states(services: Services, name: str) -> list[str | None]:
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(HealthRow.circuit_state)
            .where(HealthRow.integration == name, HealthRow.source == "circuit")
            .order_by(HealthRow.id)
        )
        return list(rows)


async def test_a_5xx_storm_serves_stale_answers_alerts_and_recovers(
    services: Services,
    factory: IntegrationFactory,
    case: Fallback,
    url: str,
    clock: VirtualClock,
    logs: LogWatch,
) -> None:
    client = await factory.get(case.name)
    live = await case.search(client)
    assert live.source == "live"
    clock.advance(DAY + 1)  # the cached answer expired: only the kept last-good one remains
    monitor = HealthMonitor(services, factory, AlertManager.from_services(services))

    await storm(url, error_rate=1.0, error_statuses=[500, 502, 503, 504])
    for _ in range(4):
        stale = await case.search(client)
        assert stale.source == "stale" and stale.stale and stale.stale_age_seconds >= DAY
        assert stale.model_dump(exclude={"source", "stale", "stale_age_seconds"}) == (
            live.model_dump(exclude={"source", "stale", "stale_age_seconds"})
        )
    assert await breaker_state(client) == "open"
    await monitor.check_and_record(case.name)
    assert await _alert(services, case.name) == "open"

    await calm(url)
    clock.advance(client.spec.circuit.reset_timeout_seconds + 1)
    again = await case.search(client)
    assert again.source == "live" and not again.stale
    assert await breaker_state(client) == "closed"
    await monitor.check_and_record(case.name)
    assert await _alert(services, case.name) == "resolved"
    assert await _circuit_states(services, case.name) == ["open", "half_open", "closed"]
    logs.assert_clean()
