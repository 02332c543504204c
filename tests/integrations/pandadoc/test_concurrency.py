"""Concurrency: many calls at once stay inside PandaDoc's limits by queueing in our limiter."""

from __future__ import annotations

import asyncio

import pytest

from integrations.pandadoc import operations as ops
from integrations.pandadoc.models import DocumentStatus
from integrations.simulators.pandadoc import create_simulator
from tests.integrations.pandadoc.conftest import LinkedClock, deal, make_client

CREATES = 50
WINDOW_S = 60.0 + 0.1  # the vendor's minute plus the limiter's safety margin


async def test_fifty_creates_against_a_sandbox_key_never_see_429() -> None:
    """50 concurrent creates with a 10/min sandbox key: 0 answers 429 at the simulator, all
    succeed, in 5 windows of 10 on the virtual clock (4 waits of 60.1 s).

    Clocks: the client runs on a `VirtualClock` and `LinkedClock` makes the simulator's
    limiter count on that same virtual time, so both measure the same minutes. The
    simulator's journal and rejection counter then show what PandaDoc would have seen.
    """
    sim = create_simulator(seed=5, sandbox=True)
    clock = LinkedClock(sim)
    client = make_client(sim, clock, sandbox=True)
    body = deal(sim)
    created = await asyncio.gather(
        *(ops.create_document_from_template(client, body) for _ in range(CREATES))
    )
    assert len({c.id for c in created}) == CREATES
    assert all(c.status == DocumentStatus.UPLOADED and c.name == "[DEV] Deal" for c in created)
    answers = [r.status for r in sim.journal.all(method="POST")]
    assert answers == [201] * CREATES and sim.limiter.rejected == 0
    assert clock.elapsed == pytest.approx(4 * WINDOW_S, abs=0.5)
    assert client.limiter.waits == 4 and not client.limiter.violations
    await client.aclose()


async def test_concurrent_sends_each_wait_for_their_own_document() -> None:
    """Twenty documents created and sent at once: each send waits for its document's
    draft and all are sent, with one create and one successful send per document."""
    sim = create_simulator(seed=6)
    clock = LinkedClock(sim)
    client = make_client(sim, clock)

    async def create_and_send() -> str:
        created = await ops.create_document_from_template(client, deal(sim))
        sent = await ops.send_document(client, created.id)
        return sent.status

    statuses = await asyncio.gather(*(create_and_send() for _ in range(20)))
    assert statuses == [DocumentStatus.SENT] * 20
    sends = [r for r in sim.journal.all(method="POST") if r.path.endswith("/send")]
    assert sum(r.status == 200 for r in sends) == 20
    assert all(r.status in (200, 409) for r in sends)
    await client.aclose()
