"""`/metrics`: parses with `prometheus_client`'s parser and carries the documented series
after real calls through a mock-mode client; scrape token or admin token, else 401."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import prometheus_client
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.errors import ProviderServerError
from integrations.runtime_config import (
    CircuitPatch,
    IntegrationSettingsUpdate,
    RateLimitWindow,
    RetryPatch,
)
from integrations.services import Services
from integrations.storage import migrate
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.telemetry.metrics import LATENCY_BUCKETS_S
from tests.integrations.api.conftest import AUTH

pytestmark = pytest.mark.integration

SCRAPE = "scrape-token-for-tests-0123456789"
DOCUMENTED = {  # README "Prometheus metrics": every family a scrape carries
    "integrations_calls": "counter",
    "integrations_call_errors": "counter",
    "integrations_retries": "counter",
    "integrations_cache_hits": "counter",
    "integrations_call_duration_seconds": "histogram",
    "integrations_cache_hit_ratio": "gauge",
    "integrations_circuit_state": "gauge",
    "integrations_rate_limit_headroom": "gauge",
    "integrations_webhook_inbox_events": "gauge",
    "integrations_job_queue_jobs": "gauge",
    "integrations_reconciliation_gaps_total": "gauge",
    "integrations_reconciliation_checked_total": "gauge",
}


@pytest.fixture(name="app")
async def _app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The API on a migrated database with a scrape token, its lifespan running."""
    await anyio.to_thread.run_sync(migrate.upgrade, settings.resolved_database_url)
    configured = settings.model_copy(
        update={
            "webhooks": settings.webhooks.model_copy(update={"worker_enabled": False}),
            "metrics": settings.metrics.model_copy(update={"scrape_token": SecretStr(SCRAPE)}),
        }
    )
    services = Services(configured)
    app = create_app(configured, services)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        await services.close()


async def _scrape(app: FastAPI, token: str | None = SCRAPE) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/metrics", headers=headers)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def _calls_through_the_mock(app: FastAPI) -> None:
    """Five answered calls, then one that fails twice (one retry) and opens the breaker."""
    services: Services = app.state.services
    update = IntegrationSettingsUpdate(
        enabled=True,
        mode="mock",
        rate_limits=[RateLimitWindow(limit=100, period_seconds=60.0)],
        retry=RetryPatch(max_attempts=2, base_seconds=0.001, cap_seconds=0.001),
        circuit=CircuitPatch(failure_threshold=2),
    )
    await services.update_config("mock", update, changed_by="test")
    client: Any = await app.state.factory.get("mock")
    for n in range(5):
        await client.request("GET", f"/items/{n}", operation="get_item")
    client.enable_error_simulation(1.0, [503])
    with pytest.raises(ProviderServerError):
        await client.request("GET", "/items/x", operation="get_item")
    async with services.db.sessions.begin() as session:
        for n, status in enumerate(["dead", "dead", "processed"]):
            session.add(
                WebhookEventRow(
                    integration="mock",
                    event_id=f"e{n}",
                    status=status,
                    signature_valid=True,
                    body=b"{}",
                    received_at=dt.datetime.now(dt.UTC),
                )
            )


async def test_metrics_carry_the_documented_series(app: FastAPI) -> None:
    """After real calls, every documented family is there with the counts the calls made,
    a cumulative histogram, the open breaker, the spent budget and the inbox by status."""
    await _calls_through_the_mock(app)
    answer = await _scrape(app)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    families = {f.name: f.type for f in text_string_to_metric_families(answer.text)}
    assert families == DOCUMENTED
    got = _samples(answer.text)
    op = {("integration", "mock"), ("operation", "get_item")}

    def value(name: str, **labels: str) -> float:
        return got[(name, frozenset(op | set(labels.items())))]

    assert value("integrations_calls_total", outcome="success") == 5
    assert value("integrations_calls_total", outcome="failure") == 1
    assert value("integrations_call_errors_total", error="ServiceUnavailableError") == 1
    assert value("integrations_retries_total") == 1
    assert value("integrations_cache_hits_total") == 0
    assert value("integrations_call_duration_seconds_count") == 6
    buckets = [
        value("integrations_call_duration_seconds_bucket", le=str(b)) for b in LATENCY_BUCKETS_S
    ]
    assert buckets == sorted(buckets)
    assert value("integrations_call_duration_seconds_bucket", le="+Inf") == 6
    mock = frozenset({("integration", "mock")})
    assert got[("integrations_cache_hit_ratio", mock)] == 0.0
    assert got[("integrations_circuit_state", mock)] == 2  # open
    assert got[("integrations_rate_limit_headroom", mock)] == pytest.approx(1 - 7 / 100)
    inbox = {
        s: got[("integrations_webhook_inbox_events", frozenset({("status", s)}))]
        for s in ("pending", "processing", "processed", "dead")
    }
    assert inbox == {"pending": 0, "processing": 0, "processed": 1, "dead": 2}


async def test_series_stay_out_of_the_global_registry(app: FastAPI) -> None:
    """A scrape registers nothing in `prometheus_client`'s default registry."""
    await _calls_through_the_mock(app)
    assert (await _scrape(app)).status_code == 200
    exposed = prometheus_client.generate_latest(prometheus_client.REGISTRY).decode()
    assert "integrations_" not in exposed


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param(None, 401, id="no-token"),
        pytest.param("wrong-token", 401, id="wrong-token"),
        pytest.param(SCRAPE, 200, id="scrape-token"),
        pytest.param(AUTH["Authorization"].removeprefix("Bearer "), 200, id="admin-token"),
    ],
)
async def test_metrics_need_the_scrape_or_an_admin_token(
    app: FastAPI, token: str | None, status: int
) -> None:
    """Only the scrape token or an admin token reads `/metrics`; otherwise 401 with a body."""
    answer = await _scrape(app, token)
    assert answer.status_code == status
    if status == 401:
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["WWW-Authenticate"] == "Bearer"


async def test_scrape_token_grants_nothing_else(app: FastAPI) -> None:
    """The scrape token is not an admin token."""
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/api/v1/health", headers={"Authorization": f"Bearer {SCRAPE}"})
    assert answer.status_code == 401
