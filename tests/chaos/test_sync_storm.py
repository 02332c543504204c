"""PracticePanther sync through a fault storm: no lost and no duplicated record.

The simulator (a few hundred records, ten a page) is served on 127.0.0.1 and the real engine
syncs it into SQLite; retry and breaker waits run on a virtual clock the simulator also
reads. A run in the storm may end `error` (a typed message) but never `success` with rows
missing; once the storm ends, the next run makes the tables equal the vendor's records.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.sync.engine import SyncEngine
from tests.chaos.logwatch import LogWatch
from tests.chaos.storms import calm, storm
from tests.chaos.vendors import clock_now
from tests.helpers.http_server import serve_app
from tests.integrations.practicepanther.support import connect, local, small_pages, source

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

PAGE = 10
STORMS = {
    "5xx-429-drops": {"error_rate": 0.25, "error_statuses": [500, 502, 503, 504, 429],
                      "drop_rate": 0.05},
    "malformed": {"error_rate": 0.1, "error_statuses": [503], "malformed_rate": 0.1},
    "truncated-pages": {"truncate_rate": 0.15},
}  # fmt: skip


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return clock_now()


@pytest.fixture(name="sim")
def _sim(clock: VirtualClock) -> PracticePantherSimulator:
    sim = create_simulator(seed=23)
    sim.set_volumes(accounts=60, contacts=120, matters=120, tasks=160)
    sim.clock.source = clock.now
    return sim


@pytest.fixture(name="base")
def _base(sim: PracticePantherSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(name="engine")
async def _engine(services: Services, base: str, clock: VirtualClock) -> AsyncIterator[SyncEngine]:
    await connect(services, base, rate_limits=[{"limit": 100_000, "period_seconds": 1}])
    factory = IntegrationFactory(services, clock=clock)
    yield SyncEngine(services, factory, small_pages(PAGE))
    await factory.close()


def _expected(sim: PracticePantherSimulator) -> dict[str, list[Any]]:
    return {kind: sorted(rows, key=repr) for kind, rows in source(sim).items()}


async def _stored(services: Services) -> dict[str, list[Any]]:
    return {kind: sorted(rows, key=repr) for kind, rows in (await local(services)).items()}


@pytest.mark.parametrize("plan", STORMS.values(), ids=STORMS.keys())
async def test_a_sync_through_a_storm_loses_and_duplicates_nothing(
    services: Services,
    engine: SyncEngine,
    sim: PracticePantherSimulator,
    base: str,
    clock: VirtualClock,
    logs: LogWatch,
    plan: dict[str, Any],
) -> None:
    await storm(base, **plan)
    stormy = await engine.run("full")
    assert stormy.status in {"success", "error"}, stormy
    if stormy.status == "success":  # a run that says it finished must have every record
        assert await _stored(services) == _expected(sim)
    else:
        assert stormy.error_message and "Error: " in stormy.error_message
    await calm(base)
    clock.advance(61)  # past the breaker's reset timeout, if the storm opened it
    after = await engine.run("full")
    assert after.status == "success", after.error_message
    assert await _stored(services) == _expected(sim)  # lists: a duplicate row would show
    logs.assert_clean()
