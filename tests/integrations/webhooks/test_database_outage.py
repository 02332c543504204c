"""The receiving side while its database stalls, on SQLite and PostgreSQL.

PostgreSQL is stalled as by SIGSTOP, without touching the shared server: the app reaches it
through a relay that stops forwarding (connections open, nothing answers). SQLite is stalled
the way it stalls in practice: another connection holds its write lock. Deliveries must be
answered 503 with `Retry-After` within a few seconds and stored once the vendor retries;
`/healthz` must say why; `serve` must fail with one line; the outage must be logged once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from integrations.api.app import create_app
from integrations.config import DatabaseSettings, Settings
from integrations.services import Services
from integrations.storage.db import Database
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.runtime import WebhookRuntime
from tests.helpers.stalls import SqliteWriteLock, Stall, new_threads_finished
from tests.integrations.webhooks.test_inbound import ADMIN, URL, enable, signed

STATEMENT_TIMEOUT_S = 2
# The bound a test asserts: the 2 s timeout plus a generous margin for a loaded machine.
ANSWERED_WITHIN_S = 12.0
VENDOR_RETRIES_FOR_S = 30.0


def _timeouts(settings: Settings, url: str) -> Settings:
    database = DatabaseSettings(
        connect_timeout=STATEMENT_TIMEOUT_S, statement_timeout=STATEMENT_TIMEOUT_S
    )
    return settings.model_copy(update={"database_url": url, "database": database})


@pytest.fixture(name="stalling_app")
async def _stalling_app(
    settings: Settings, db: Database, stall: tuple[Stall, str]
) -> AsyncIterator[Any]:
    """The API app on a database that `stall` can freeze, with 2 s timeouts."""
    app_settings = _timeouts(settings, stall[1])
    services = Services(app_settings)
    app = create_app(app_settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    await enable(services)
    yield app
    stall[0].thaw()
    await services.close()


@pytest.fixture(name="stalling_client")
async def _stalling_client(stalling_app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=stalling_app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def _deliver_until_stored(client: httpx2.AsyncClient, delivery: dict[str, Any]) -> str:
    """Send as a vendor retries (503 means later); the 200's status."""
    deadline = time.monotonic() + VENDOR_RETRIES_FOR_S
    while True:
        answer = await client.post(URL, **delivery)
        if answer.status_code == 200:
            return str(answer.json()["status"])
        assert answer.status_code == 503 and time.monotonic() < deadline, answer.text
        await asyncio.sleep(0.2)


async def test_a_stalled_database_answers_deliveries_503_with_retry_after(
    stall: tuple[Stall, str], stalling_client: httpx2.AsyncClient, db: Database
) -> None:
    """Deliveries to a stalled database are answered 503 with Retry-After within a few
    seconds, and each is stored exactly once when the vendor retries after the stall."""
    client = stalling_client
    assert (await client.post(URL, **signed("before", {"type": "t"}))).status_code == 200
    stall[0].freeze()
    started = time.monotonic()
    during = [signed(f"during-{i}", {"type": "t"}) for i in range(3)]
    answers = await asyncio.gather(*(client.post(URL, **d) for d in during))
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [503] * 3, [a.text for a in answers]
    assert {a.headers["retry-after"] for a in answers} == {"5"}
    assert {a.json()["error"]["code"] for a in answers} == {"database_unavailable"}
    assert elapsed < ANSWERED_WITHIN_S
    stall[0].thaw()
    statuses = [await _deliver_until_stored(client, d) for d in during]
    assert set(statuses) <= {"accepted", "duplicate"}
    async with db.sessions() as session:
        stored = list(await session.scalars(select(WebhookEventRow.event_id)))
    assert sorted(stored) == ["before", "during-0", "during-1", "during-2"]


async def test_admin_reads_on_a_stalled_database_end_instead_of_hanging(
    stall: tuple[Stall, str], stalling_client: httpx2.AsyncClient
) -> None:
    """An admin read on a pooled connection to a frozen PostgreSQL answers 503 once the
    statement timeout and psycopg's cancellation (10 s at most) are over, where it used to
    wait for the server; on SQLite, whose readers a held write lock does not stop, it is 200."""
    client = stalling_client
    assert (await client.get("/api/v1/webhook-events", headers=ADMIN)).status_code == 200
    stall[0].freeze()
    started = time.monotonic()
    answer = await client.get("/api/v1/webhook-events", headers=ADMIN)
    elapsed = time.monotonic() - started
    stall[0].thaw()
    if isinstance(stall[0], SqliteWriteLock):
        assert answer.status_code == 200
        return
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert elapsed < ANSWERED_WITHIN_S + 10
    assert (await client.get("/api/v1/webhook-events", headers=ADMIN)).status_code == 200


async def test_healthz_says_why_the_database_is_unavailable(
    settings: Settings, broken: tuple[Stall | None, str]
) -> None:
    """/healthz answers 503 within a few seconds naming the part that failed, and the admin
    health names the reason: no answer within the statement timeout (stalled PostgreSQL),
    or the driver's error (a SQLite file that cannot be opened)."""
    app_settings = _timeouts(settings, broken[1])
    services = Services(app_settings)
    app = create_app(app_settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with new_threads_finished():
        try:
            async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
                started = time.monotonic()
                public = await client.get("/healthz")
                elapsed = time.monotonic() - started
                detail = await client.get("/api/v1/health", headers=ADMIN)
        finally:
            if broken[0] is not None:
                broken[0].thaw()
            await services.close()
    assert public.status_code == 503
    assert public.json() == {"status": "error", "reason": "database_unavailable"}
    assert elapsed < ANSWERED_WITHIN_S
    assert detail.status_code == 503
    expected = "no answer within 2 s" if broken[0] else "unable to open database file"
    assert expected in detail.json()["database"]
