"""Typeform connector fixtures: the simulator in this process, a client and a manager over it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from integrations.core.clock import VirtualClock
from integrations.services import Services
from integrations.simulators.transport import SimulatorTransport
from integrations.simulators.typeform import TypeformSimulator, create_simulator
from integrations.storage.tables_inbound import WebhookOperationRow, WebhookSubscriptionRow
from integrations.typeform import TypeformIntegration, WebhookManager

BASE = "https://api.typeform.com"
TOKEN = "tfp_test_token_0123456789"
TAG = "integrations"


@pytest.fixture(name="sim")
def _sim() -> TypeformSimulator:
    """The simulator without its 2/s limiter: clients here run on a virtual clock, which the
    simulator's real-time limiter cannot follow (the rate-limit test keeps it on)."""
    sim = create_simulator(seed=7, retry_delays=(), backoff_delays=())
    sim.set_rate_limits([])
    return sim


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(name="client")
async def _client(
    sim: TypeformSimulator, clock: VirtualClock
) -> AsyncIterator[TypeformIntegration]:
    client = TypeformIntegration(
        transport=SimulatorTransport(sim), credentials={"token": TOKEN}, clock=clock
    )
    yield client
    await client.aclose()


@pytest.fixture(name="sim_http")
async def _sim_http(sim: TypeformSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """Raw HTTP to the simulator: changes made "behind our back", not through the manager."""
    transport = SimulatorTransport(sim)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx2.AsyncClient(transport=transport, base_url=BASE, headers=headers) as http:
        yield http


@pytest.fixture(name="manager")
def _manager(client: TypeformIntegration, services: Services) -> WebhookManager:
    return WebhookManager(client, services)


async def subscriptions(services: Services) -> list[WebhookSubscriptionRow]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(WebhookSubscriptionRow))
        return list(rows)


async def operations(services: Services) -> list[WebhookOperationRow]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(WebhookOperationRow).order_by(WebhookOperationRow.id))
        return list(rows)


def remote(sim: TypeformSimulator, form_id: str, tag: str = TAG) -> dict[str, Any] | None:
    """The simulator's own record of a webhook (None when there is none)."""
    return sim.webhooks.get(form_id, {}).get(tag)
