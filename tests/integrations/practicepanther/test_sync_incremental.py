"""Acceptance: a full sync, then 1% of every kind changed at the simulator; the incremental
sync fetches only those (requests ≤ 2% of the full sync's) and the tables equal the source.
The simulator is served over real HTTP on 127.0.0.1; the engine is the real one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.sync.engine import SyncEngine
from tests.helpers.http_server import serve_app
from tests.integrations.practicepanther.support import (
    api_requests,
    connect,
    local,
    small_pages,
    source,
)

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=11)
    sim.set_volumes(accounts=400, contacts=800, matters=900, tasks=1200)
    return sim


@pytest.fixture(name="base")
def _base(sim: PracticePantherSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(name="factory")
async def _factory(services: Services, base: str) -> AsyncIterator[IntegrationFactory]:
    # Many small pages: the default 300 per 5 minutes would make the test wait for windows.
    await connect(services, base, rate_limits=[{"limit": 100_000, "period_seconds": 1}])
    factory = IntegrationFactory(services)
    yield factory
    await factory.close()


def _sorted(tables: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {name: sorted(rows, key=repr) for name, rows in tables.items()}


async def test_incremental_fetches_only_the_changes(
    services: Services, factory: IntegrationFactory, sim: PracticePantherSimulator
) -> None:
    engine = SyncEngine(services, factory, small_pages(5))
    full = await engine.run("full")
    assert full.status == "success", full.error_message
    full_requests = api_requests(sim)
    assert _sorted(await local(services)) == _sorted({k: list(v) for k, v in source(sim).items()})
    for kind in ("contacts", "matters", "tasks"):
        sim.modify(kind, 1)
    sim.journal.clear()
    incremental = await engine.run("incremental")
    assert incremental.status == "success", incremental.error_message
    assert api_requests(sim) <= 0.02 * full_requests, (api_requests(sim), full_requests)
    tables = await local(services)
    assert _sorted(tables) == _sorted({k: list(v) for k, v in source(sim).items()})
    assert all(len(rows) == len(set(rows)) for rows in tables.values())  # no duplicates
