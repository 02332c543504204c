"""Integration health over the admin API: a check now, its history, and every integration's
status in `/api/v1/health` (property 41), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.registry import CONNECTORS
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage import migrate
from integrations.storage.tables import HealthRow
from tests.integrations.api.conftest import AUTH

pytestmark = pytest.mark.integration


@pytest.fixture(name="services")
async def _services(settings: Settings) -> AsyncIterator[Services]:
    """Services on a database migrated to the head, as `serve` leaves it (so `/api/v1/health`
    is ready and lists the integrations)."""
    await anyio.to_thread.run_sync(migrate.upgrade, settings.resolved_database_url)
    services = Services(settings)
    yield services
    await services.close()


@pytest.fixture(name="app")
async def _app(settings: Settings, services: Services) -> AsyncIterator[FastAPI]:
    """The API with its lifespan running (the process factory lives there)."""
    quiet = settings.model_copy(
        update={"webhooks": settings.webhooks.model_copy(update={"worker_enabled": False})}
    )
    app = create_app(quiet, services)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(name="api")
async def _api(app: FastAPI) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=AUTH) as c:
        yield c


async def _enable(services: Services, name: str, *, enabled: bool = True) -> None:
    update = IntegrationSettingsUpdate(enabled=enabled, mode="mock")
    await services.update_config(name, update, changed_by="test")


async def test_check_now_answers_stores_and_shares_the_process_factory(
    app: FastAPI, api: httpx2.AsyncClient, services: Services
) -> None:
    """A check of the enabled mock answers healthy with its signals, goes through the
    lifespan's factory (its client is the one kept there) and lands in the history."""
    await _enable(services, "mock")
    answer = await api.get("/api/v1/integrations/mock/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["integration"], body["status"], body["reasons"]) == ("mock", "healthy", [])
    assert body["is_mock"] is True
    assert body["circuit_state"] == "closed"
    assert "mock" in app.state.factory.clients()
    history = (await api.get("/api/v1/integrations/mock/health/history")).json()
    assert [(i["status"], i["source"]) for i in history["items"]] == [("healthy", "check")]
    assert history["total"] == 1
    listed = {i["integration"]: i for i in (await api.get("/api/v1/health")).json()["integrations"]}
    assert listed["mock"]["circuit_state"] == "closed"
    assert listed["mock"]["latency_ms"] == history["items"][0]["latency_ms"] is not None
    assert (listed["typeform"]["circuit_state"], listed["typeform"]["latency_ms"]) == (None, None)


async def test_disabled_integration_is_not_called(app: FastAPI, api: httpx2.AsyncClient) -> None:
    """A disabled integration reports `disabled` and no client of it is built."""
    body = (await api.get("/api/v1/integrations/typeform/health")).json()
    assert body["status"] == "disabled"
    assert "typeform" not in app.state.factory.clients()


@pytest.mark.parametrize("path", ["/health", "/health/history"])
async def test_unknown_integration_is_404_naming_it(api: httpx2.AsyncClient, path: str) -> None:
    """An unknown name is a 404 `unknown_integration` that names it."""
    answer = await api.get(f"/api/v1/integrations/nosuch{path}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "unknown_integration"
    assert "'nosuch'" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("limit=0", "limit", id="limit-zero"),
        pytest.param("limit=501", "limit", id="limit-over"),
        pytest.param("since=yesterday", "since", id="since-text"),
        pytest.param("until=2026-01-01T00:00:00", "until", id="until-no-zone"),
        pytest.param("before_id=0", "before_id", id="cursor-zero"),
        pytest.param("source=cron", "source", id="source-unknown"),
    ],
)
async def test_bad_history_query_is_422_naming_the_field(
    api: httpx2.AsyncClient, query: str, field: str
) -> None:
    """Each invalid parameter is refused with 422 naming it."""
    answer = await api.get(f"/api/v1/integrations/mock/health/history?{query}")
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["error"]["errors"]] == [field]


async def _rows(services: Services, name: str, statuses: list[tuple[str, str]]) -> None:
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    async with services.db.sessions.begin() as session:
        for minute, (status, source) in enumerate(statuses):
            session.add(
                HealthRow(
                    integration=name,
                    status=status,
                    source=source,
                    details={"reasons": [f"r{minute}"]},
                    checked_at=base + dt.timedelta(minutes=minute),
                )
            )


async def test_history_pages_filters_and_reads_old_statuses(
    api: httpx2.AsyncClient, services: Services
) -> None:
    """Pages of `limit` newest first cover every row once; `since`/`until`/`source` filter;
    a breaker row written as `down` before the alignment reads `unhealthy`."""
    statuses = [("healthy", "check"), ("down", "circuit")] * 3 + [("degraded", "check")]
    await _rows(services, "mock", statuses)
    seen: list[dict[str, Any]] = []
    url = "/api/v1/integrations/mock/health/history?limit=3"
    cursor = ""
    while True:
        page = (await api.get(url + cursor)).json()
        assert page["total"] == 7
        seen += page["items"]
        if page["next_before_id"] is None:
            break
        cursor = f"&before_id={page['next_before_id']}"
    assert [i["reasons"] for i in seen] == [[f"r{m}"] for m in range(6, -1, -1)]
    assert [i["status"] for i in seen][:2] == ["degraded", "unhealthy"]
    assert "down" not in {i["status"] for i in seen}
    window = "since=2026-03-01T00:02:00Z&until=2026-03-01T00:05:00%2B00:00&source=check"
    page = (await api.get(f"/api/v1/integrations/mock/health/history?{window}")).json()
    assert [i["reasons"] for i in page["items"]] == [["r4"], ["r2"]]
    assert page["total"] == 2


async def test_health_needs_the_admin_token(api: httpx2.AsyncClient) -> None:
    """Without the admin token every health route answers 401."""
    for path in ["/api/v1/health", "/api/v1/integrations/mock/health/history"]:
        answer = await api.get(path, headers={"Authorization": "Bearer wrong"})
        assert answer.status_code == 401


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    enabled=st.sets(st.sampled_from(sorted(CONNECTORS))),
    stored=st.dictionaries(
        st.sampled_from(sorted(CONNECTORS)),
        st.lists(st.sampled_from(["healthy", "degraded", "unhealthy", "down"]), min_size=1),
    ),
)
async def test_property_41_system_health_lists_every_integration(
    api: httpx2.AsyncClient,
    services: Services,
    enabled: set[str],
    stored: dict[str, list[str]],
) -> None:
    """`/api/v1/health` lists every connector once, each with its newest stored status,
    `unknown` when never observed and `disabled` when not enabled."""
    async with services.db.sessions.begin() as session:
        await session.execute(delete(HealthRow))
    for name in CONNECTORS:
        await _enable(services, name, enabled=name in enabled)
    for name, statuses in stored.items():
        await _rows(services, name, [(s, "check") for s in statuses])
    answer = await api.get("/api/v1/health")
    assert answer.status_code == 200, answer.text
    listed = {i["integration"]: i["status"] for i in answer.json()["integrations"]}
    newest = {n: s[-1].replace("down", "unhealthy") for n, s in stored.items()}
    assert listed == {
        n: (newest.get(n, "unknown") if n in enabled else "disabled") for n in CONNECTORS
    }
