"""OAuth upkeep against the simulator: proactive refresh 5 minutes before expiry, refresh on
401 and on 400 invalid_grant, rotation stored, single flight for 20 concurrent callers, and
what a refused refresh does (TokenRefreshError, unhealthy health row, one alert)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from integrations.core.clock import VirtualClock
from integrations.practicepanther import operations as ops
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.exceptions import TokenRefreshError
from integrations.practicepanther.token_store import MemoryTokenStore, StoredTokens
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator
from integrations.storage.tables import AlertRow, HealthRow
from tests.integrations.practicepanther.conftest import make_client

pytestmark = pytest.mark.anyio
DAY = 86_400.0


async def _twenty_calls(client: PracticePantherIntegration) -> None:
    users = await asyncio.gather(*(ops.get_current_user(client) for _ in range(20)))
    assert len({u.id for u in users}) == 1


async def test_mock_mode_authorizes_itself_once(
    client: PracticePantherIntegration, sim: PracticePantherSimulator
) -> None:
    await _twenty_calls(client)
    assert (sim.tokens.issued, sim.tokens.refreshed) == (1, 0)


async def test_twenty_callers_inside_the_margin_cause_one_refresh(
    client: PracticePantherIntegration, sim: PracticePantherSimulator, clock: VirtualClock
) -> None:
    await ops.get_current_user(client)
    before = await client.tokens.current()
    clock.advance(DAY - 299)  # 4 min 59 s left: inside the 5-minute margin
    await _twenty_calls(client)
    after = await client.tokens.current()
    assert sim.tokens.refreshed == 1
    assert after.refresh_token != before.refresh_token  # rotated, and the new one kept
    assert after.expires_at == pytest.approx(clock.now() + DAY)


async def test_no_refresh_outside_the_margin(
    client: PracticePantherIntegration, sim: PracticePantherSimulator, clock: VirtualClock
) -> None:
    await ops.get_current_user(client)
    clock.advance(DAY - 301)
    await _twenty_calls(client)
    assert sim.tokens.refreshed == 0


@pytest.mark.parametrize("answer", ["401", "400"])
async def test_an_expired_token_refreshes_once_on_401_or_invalid_grant(
    client: PracticePantherIntegration,
    sim: PracticePantherSimulator,
    clock: VirtualClock,
    answer: str,
) -> None:
    # Without expires_in the client cannot refresh ahead: only the vendor's answer says so.
    sim.oauth = sim.oauth.model_copy(
        update={"send_expires_in": False, "expired_token_answer": answer}
    )
    await ops.get_current_user(client)
    clock.advance(DAY + 1)
    await _twenty_calls(client)
    assert sim.tokens.refreshed == 1


async def test_mock_mode_authorizes_again_after_a_simulator_reset(
    client: PracticePantherIntegration, sim: PracticePantherSimulator, clock: VirtualClock
) -> None:
    await ops.get_current_user(client)
    sim.reset()
    sim.clock.source = clock.now
    clock.advance(DAY)
    await _twenty_calls(client)
    assert sim.tokens.issued == 1  # one new authorization after the reset, not 20


async def test_a_rotated_refresh_token_is_not_sent_twice(
    client: PracticePantherIntegration, sim: PracticePantherSimulator, clock: VirtualClock
) -> None:
    await ops.get_current_user(client)
    for _ in range(3):  # three expiries, three refreshes, each with the latest token
        clock.advance(DAY)
        await _twenty_calls(client)
    assert sim.tokens.refreshed == 3


async def test_a_refused_refresh_raises_and_calls_the_failure_hook(
    sim: PracticePantherSimulator, clock: VirtualClock
) -> None:
    store = MemoryTokenStore(StoredTokens("unknown", "spent-refresh", clock.now() + 10))
    client = make_client(sim, clock, store, live=True)
    seen: list[Exception] = []

    async def hook(error: Exception) -> None:
        seen.append(error)

    client.tokens.on_failure = hook
    with pytest.raises(TokenRefreshError):
        await ops.get_current_user(client)
    assert len(seen) == 1 and isinstance(seen[0], TokenRefreshError)
    assert store.tokens is not None and store.tokens.refresh_token == "spent-refresh"
    await client.aclose()


async def test_a_refused_refresh_marks_unhealthy_and_fires_one_alert(
    sim: PracticePantherSimulator, clock: VirtualClock, services: Services
) -> None:
    store = MemoryTokenStore(StoredTokens("unknown", "spent-refresh", clock.now() + 10))
    client = make_client(sim, clock, store, live=True, services=services)
    for _ in range(2):
        with pytest.raises(TokenRefreshError):
            await ops.get_current_user(client)
    async with services.db.sessions() as session:
        health = (await session.scalars(select(HealthRow))).all()
        alerts = (await session.scalars(select(AlertRow))).all()
    assert {(h.integration, h.status, h.source) for h in health} == {
        ("practicepanther", "unhealthy", "oauth")
    }
    assert [(a.kind, a.status, a.occurrences) for a in alerts] == [
        ("token_refresh_failed", "open", 2)
    ]
    await client.aclose()
