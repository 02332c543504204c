"""The whole call pipeline over real HTTP: a scripted uvicorn server, the default engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest
import redis.exceptions
from sqlalchemy import select
from structlog.testing import capture_logs

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.redis_state import RedisStateStore
from integrations.core.spec import CircuitSpec, ProviderSpec, RateLimitRule, RetrySpec
from integrations.core.state import MemoryStateStore, StateStore
from integrations.core.state_fallback import FallbackStateStore
from integrations.errors import CircuitOpenError, ProviderServerError
from integrations.storage.db import Database
from integrations.storage.tables import CallLogRow, HealthRow
from integrations.telemetry.health import CircuitHealthWriter
from integrations.telemetry.recorder import DatabaseCallRecorder, MemoryCallRecorder
from tests.helpers.http_server import Answer, RunningServer, serve_scripted
from tests.helpers.services import REDIS_URL, require_service
from tests.helpers.shared_budget import (
    SharedRun,
    busiest_window,
    delete_redis_prefix,
    run_clients,
)

pytestmark = pytest.mark.integration

FAST_RETRY = RetrySpec(max_attempts=4, base_seconds=0.01, cap_seconds=0.05)
ONE_ATTEMPT = RetrySpec(max_attempts=1)
SHARED_LIMIT = 20
SHARED_SECONDS = 10.0


class LocalIntegration(BaseIntegration):
    """A connector for the scripted local server."""

    async def health_check(self) -> HealthResult:
        return HealthResult(healthy=True, latency_ms=0.0)


def _spec(url: str, **overrides: Any) -> ProviderSpec:
    """A spec for the local server: one attempt, no cache, unless overridden."""
    fields: dict[str, Any] = {"retry": ONE_ATTEMPT, "cache_ttl_seconds": 0, "timeout_seconds": 5}
    return ProviderSpec(name="local", base_url=url, **(fields | overrides))


@pytest.fixture(name="server")
def _server() -> Iterator[RunningServer]:
    with serve_scripted() as running:
        yield running


@pytest.fixture(name="redis_prefix")
def _redis_prefix() -> Iterator[str]:
    """A fresh key prefix in the test Redis; its keys are deleted afterwards."""
    require_service("Redis", REDIS_URL, 6379)
    prefix = f"it-pipeline-{uuid.uuid4().hex}:"
    yield prefix
    delete_redis_prefix(prefix)


@pytest.fixture(name="store", params=["memory", "redis"])
async def _store(request: pytest.FixtureRequest) -> AsyncIterator[StateStore]:
    """The breaker's state store: in memory, or in Redis under a fresh prefix."""
    if request.param == "memory":
        yield MemoryStateStore()
        return
    prefix: str = request.getfixturevalue("redis_prefix")
    store = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
    yield store
    await store.close()


async def test_503s_then_200_is_one_recorded_call_in_memory(server: RunningServer) -> None:
    """Three 503s then a 200 succeed as one call record with three retries."""
    server.app.script(503, 503, 503, 200)
    recorder = MemoryCallRecorder()
    client = LocalIntegration(_spec(server.url, retry=FAST_RETRY), recorder=recorder)
    try:
        response = await client.request("GET", "/items", operation="list_items")
    finally:
        await client.aclose()
    assert response.status_code == 200
    assert server.app.count == 4
    [record] = recorder.records
    assert (record.status_code, record.retry_count, record.success) == (200, 3, True)


async def test_503s_then_200_is_one_call_log_row(server: RunningServer, db: Database) -> None:
    """Three 503s then a 200 write exactly one `integration_call_logs` row with three retries."""
    server.app.script(503, 503, 503, 200)
    client = LocalIntegration(
        _spec(server.url, retry=FAST_RETRY), recorder=DatabaseCallRecorder(db)
    )
    try:
        response = await client.request("GET", "/items", operation="list_items")
    finally:
        await client.aclose()
    assert response.status_code == 200
    assert server.app.count == 4
    async with db.sessions() as session:
        rows = (await session.scalars(select(CallLogRow))).all()
    assert [(r.operation, r.status_code, r.retry_count, r.success) for r in rows] == [
        ("list_items", 200, 3, True)
    ]


async def test_five_500s_open_the_breaker(server: RunningServer, db: Database) -> None:
    """After five 500s no call reaches the server; a fallback answers and health says down."""
    server.app.default = Answer(500)
    spec = _spec(server.url, circuit=CircuitSpec(failure_threshold=5, reset_timeout_seconds=60))
    client = LocalIntegration(spec, circuit_listeners=[CircuitHealthWriter(db)])
    try:
        for _ in range(5):
            with pytest.raises(ProviderServerError):
                await client.request("GET", "/items", operation="list_items")
        before = dt.datetime.now(dt.UTC)
        with pytest.raises(CircuitOpenError) as refused:
            await client.request("GET", "/items", operation="list_items")
        assert server.app.count == 5
        assert refused.value.next_attempt_at is not None
        assert refused.value.next_attempt_at > before + dt.timedelta(seconds=50)

        def fallback() -> httpx2.Response:
            return httpx2.Response(200, json={"from": "fallback"})

        answer = await client.request("GET", "/items", operation="list_items", fallback=fallback)
    finally:
        await client.aclose()
    assert answer.json() == {"from": "fallback"}
    assert server.app.count == 5
    async with db.sessions() as session:
        rows = (await session.scalars(select(HealthRow))).all()
    seen = [(r.integration, r.status, r.circuit_state) for r in rows]
    assert seen == [("local", "unhealthy", "open")]


async def test_half_open_lets_one_trial_through(server: RunningServer, store: StateStore) -> None:
    """Of five concurrent calls after the reset timeout one (slow) trial goes out; then closed."""
    server.app.script(500, 500, Answer(200, delay=0.3))
    spec = _spec(server.url, circuit=CircuitSpec(failure_threshold=2, reset_timeout_seconds=0.2))
    client = LocalIntegration(spec, store=store)
    try:
        for _ in range(2):
            with pytest.raises(ProviderServerError):
                await client.request("GET", "/items", operation="list_items")
        assert await client.breaker.is_open()
        await asyncio.sleep(0.3)
        outcomes = await asyncio.gather(
            *(client.request("GET", "/items", operation="list_items") for _ in range(5)),
            return_exceptions=True,
        )
        answered = [o for o in outcomes if isinstance(o, httpx2.Response)]
        refused = [o for o in outcomes if isinstance(o, CircuitOpenError)]
        assert (len(answered), len(refused)) == (1, 4), outcomes
        assert answered[0].status_code == 200
        assert server.app.count == 3
        assert (await client.breaker.snapshot()).state == "closed"
        for _ in range(3):
            response = await client.request("GET", "/items", operation="list_items")
            assert response.status_code == 200
    finally:
        await client.aclose()
    assert server.app.count == 6


@pytest.fixture(name="shared_run", scope="module")
def _shared_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedRun]:
    """Two processes calling the local server as fast as a 20/s Redis budget allows, 10 s."""
    require_service("Redis", REDIS_URL, 6379)
    prefix = f"it-shared-{uuid.uuid4().hex}:"
    try:
        yield run_clients(
            tmp_path_factory.mktemp("shared-budget"),
            prefix,
            processes=2,
            seconds=SHARED_SECONDS,
            workers=4,
            limit=SHARED_LIMIT,
        )
    finally:
        delete_redis_prefix(prefix)


def test_two_processes_share_one_redis_budget(shared_run: SharedRun) -> None:
    """Two processes limited to 20/s through Redis are admitted at most 20 times per second."""
    assert all(r["errors"] == {} for r in shared_run.results), shared_run.results
    total = sum(r["ok"] for r in shared_run.results)
    assert len(shared_run.arrivals) == len(shared_run.admissions) == total
    assert total >= 150
    assert busiest_window(shared_run.admissions, 1.0) <= SHARED_LIMIT


def test_server_never_sees_more_than_the_shared_limit(shared_run: SharedRun) -> None:
    """The server itself never receives more than 20 requests in any 1-second window."""
    assert busiest_window(shared_run.arrivals, 1.0) <= SHARED_LIMIT


async def test_redis_down_falls_back_to_memory(server: RunningServer) -> None:
    """With Redis unreachable calls still succeed, reads are cached, and it is logged once."""
    store = FallbackStateStore(
        RedisStateStore.from_url("redis://127.0.0.1:1/0"),
        errors=(redis.exceptions.ConnectionError, OSError, TimeoutError),
    )
    spec = _spec(
        server.url,
        cache_ttl_seconds=60,
        rate_limits=(RateLimitRule(limit=100, period_seconds=1.0),),
    )
    recorder = MemoryCallRecorder()
    client = LocalIntegration(spec, store=store, recorder=recorder)
    try:
        with capture_logs() as logs:
            for _ in range(2):
                await client.request("GET", "/items", operation="list_items")
            for _ in range(3):
                await client.request("POST", "/items", operation="create_item", json={})
    finally:
        await client.aclose()
        await store.close()
    assert [r.success for r in recorder.records] == [True] * 5
    assert [r.cache_hit for r in recorder.records] == [False, True, False, False, False]
    assert [(h.method, h.path) for h in server.app.hits] == [("GET", "/items")] + [
        ("POST", "/items")
    ] * 3
    assert [e["event"] for e in logs].count("state.fallback_engaged") == 1
    assert store.degraded
