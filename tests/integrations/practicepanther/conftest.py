"""PracticePanther test fixtures: a simulator on a virtual clock and a client over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from integrations.core.clock import VirtualClock
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.token_store import MemoryTokenStore, TokenStore
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from integrations.simulators.transport import SimulatorTransport


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(name="sim")
def _sim(clock: VirtualClock) -> PracticePantherSimulator:
    sim = create_simulator(seed=7)
    sim.clock.source = clock.now  # token expiry on both sides follows clock.advance()
    return sim


SIM_APP = {"client_id": "pp-sim-client", "client_secret": "pp-sim-secret"}


def make_client(
    sim: PracticePantherSimulator,
    clock: VirtualClock,
    store: TokenStore | None = None,
    *,
    live: bool = False,
    **kw: Any,
) -> PracticePantherIntegration:
    """A client over `sim`: mock mode authorizes itself on first use; `live` behaves as
    against PracticePanther (tokens only from the store, refusals reported)."""
    return PracticePantherIntegration(
        transport=SimulatorTransport(sim),
        is_mock=not live,
        credentials=SIM_APP if live else None,
        clock=clock,
        token_store=store or MemoryTokenStore(),
        environ={},
        dotenv=None,
        **kw,
    )


@pytest.fixture(name="client")
async def _client(
    sim: PracticePantherSimulator, clock: VirtualClock
) -> AsyncIterator[PracticePantherIntegration]:
    client = make_client(sim, clock)
    yield client
    await client.aclose()
