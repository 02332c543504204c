"""NICE D&B fixtures: the simulator of the assumed contract over real HTTP on loopback, a
client on a virtual clock (cache TTLs and stale ages are exact, nothing waits)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import pytest

from integrations.core.clock import VirtualClock
from integrations.core.spec import RetrySpec
from integrations.nicednb import NiceDnbIntegration
from integrations.nicednb.spec import NICEDNB_SPEC
from integrations.simulators.nicednb import NiceDnbSimulator, create_simulator
from tests.helpers.http_server import serve_app

CREDENTIALS = {"app_key": "test-app-key", "app_secret": "test-app-secret"}


@pytest.fixture(name="sim", scope="module")
def _sim() -> NiceDnbSimulator:
    sim = create_simulator(seed=0)
    sim.app_keys = {CREDENTIALS["app_key"]: CREDENTIALS["app_secret"]}
    return sim


@pytest.fixture(name="sim_url", scope="module")
def _sim_url(sim: NiceDnbSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_sim(sim: NiceDnbSimulator) -> None:
    sim.reset()


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return VirtualClock()


def make_client(url: str, clock: VirtualClock, **kw: object) -> NiceDnbIntegration:
    """A live-mode client pointed at the served simulator, with fast retries."""
    spec = dataclasses.replace(
        NICEDNB_SPEC,
        base_url=url,
        retry=RetrySpec(max_attempts=2, base_seconds=0.01, cap_seconds=0.01),
    )
    return NiceDnbIntegration(
        spec,
        credentials=CREDENTIALS,
        clock=clock,
        environ={},
        dotenv=None,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(name="client")
async def _client(sim_url: str, clock: VirtualClock) -> AsyncIterator[NiceDnbIntegration]:
    client = make_client(sim_url, clock)
    yield client
    await client.aclose()
