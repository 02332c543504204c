"""`/api/sync/*`: bad input answers 4xx naming the field; two triggers give one run and a
409; schedule, stop, restart, logs, statistics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from integrations.api.app import create_app
from integrations.config import load_settings
from integrations.factory import IntegrationFactory
from integrations.jobs.embedded import EmbeddedRunner
from integrations.services import Services
from tests.integrations.api.conftest import ADMIN_TOKEN, AUTH
from tests.integrations.sync import demo_sync

Q = {"integration": demo_sync.NAME}


@pytest.fixture(name="api")
async def _api(
    services: Services, factory: IntegrationFactory, tmp_path: Path, secret_key: str
) -> AsyncIterator[httpx2.AsyncClient]:
    """The app with the embedded job runner (on either database) and the syncdemo factory."""
    settings = load_settings(
        database_url=services.settings.resolved_database_url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        admin_token=ADMIN_TOKEN,
        jobs={"runner": "embedded"},
    )
    own = Services(settings, services.db)
    app = create_app(settings, own)
    app.state.services, app.state.factory = own, factory
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://test", headers=AUTH
    ) as client:
        client.app_services = own  # type: ignore[attr-defined]
        yield client


def fields(response: httpx2.Response) -> list[str]:
    return [e["field"] for e in response.json()["error"].get("errors", [])]


BAD_INPUT: list[tuple[str, str, dict[str, Any], Any, str]] = [
    ("GET", "/api/sync/status", {"integration": "nope"}, None, "integration"),
    ("GET", "/api/sync/status", {"integration": "Bad Name"}, None, "integration"),
    ("POST", "/api/sync/trigger", Q, {"syncType": "everything"}, "syncType"),
    ("POST", "/api/sync/trigger", Q, {"syncType": 7}, "syncType"),
    ("POST", "/api/sync/trigger", Q, {}, "syncType"),
    ("POST", "/api/sync/trigger", Q, {"syncType": "full", "extra": 1}, "extra"),
    ("GET", "/api/sync/logs", {**Q, "page": 0}, None, "page"),
    ("GET", "/api/sync/logs", {**Q, "limit": 1000}, None, "limit"),
    ("GET", "/api/sync/logs", {**Q, "status": "weird"}, None, "status"),
    ("GET", "/api/sync/logs", {**Q, "syncType": "a b"}, None, "syncType"),
    ("PUT", "/api/sync/schedule", Q, {"incrementalMinutes": 0}, "incrementalMinutes"),
    ("PUT", "/api/sync/schedule", Q, {"incrementalMinutes": 1441}, "incrementalMinutes"),
    ("PUT", "/api/sync/schedule", Q, {"fullHour": 24}, "fullHour"),
    ("PUT", "/api/sync/schedule", Q, {"fullMinute": 60}, "fullMinute"),
    ("PUT", "/api/sync/schedule", Q, {"timezone": "Nowhere/City"}, "timezone"),
    ("POST", "/api/sync/stop", {"integration": "nope"}, None, "integration"),
    ("GET", "/api/sync/statistics", {"integration": "x" * 65}, None, "integration"),
]


async def test_bad_input_answers_422_naming_the_field(api: httpx2.AsyncClient) -> None:
    """Every case in one test (one database per backend): 422 and the field named."""
    for method, path, params, body, field in BAD_INPUT:
        response = await api.request(method, path, params=params, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert field in fields(response), (path, body, response.text)


async def test_integrations_with_a_sync_are_listed_with_their_types(
    api: httpx2.AsyncClient,
) -> None:
    """`/api/sync/integrations` names every integration with a sync (the connectors' and the
    registered demo) and the sync types a trigger accepts for each."""
    response = await api.get("/api/sync/integrations")

    assert response.status_code == 200, response.text
    body = response.json()
    assert {"practicepanther", demo_sync.NAME} <= set(body["items"])
    assert body["items"] == sorted(body["items"]) == sorted(body["sync_types"])
    assert {"full", "incremental", "contacts", "matters"} <= set(
        body["sync_types"]["practicepanther"]
    )
    status = await api.get("/api/sync/status", params={"integration": body["items"][0]})
    assert status.status_code == 200


async def test_routes_need_the_admin_token(api: httpx2.AsyncClient) -> None:
    response = await api.get(
        "/api/sync/status", params=Q, headers={"Authorization": "Bearer wrong"}
    )
    assert response.status_code == 401


async def test_two_triggers_at_once_give_one_run_and_one_409(api: httpx2.AsyncClient) -> None:
    first, second = await asyncio.gather(
        api.post("/api/sync/trigger", params=Q, json={"syncType": "full"}),
        api.post("/api/sync/trigger", params=Q, json={"syncType": "full"}),
    )
    assert sorted([first.status_code, second.status_code]) == [202, 409]
    refused = first if first.status_code == 409 else second
    assert refused.json()["error"]["code"] == "sync_already_running"
    services: Services = api.app_services  # type: ignore[attr-defined]
    runner = EmbeddedRunner(services, api._transport.app.state.factory)  # type: ignore[attr-defined]
    await runner.run_worker(until_idle=True)
    logs = (await api.get("/api/sync/logs", params=Q)).json()
    assert logs["total"] == 1
    run = logs["items"][0]
    assert (run["syncType"], run["trigger"], run["triggeredBy"], run["status"]) == (
        "full",
        "manual",
        "admin",
        "success",
    )
    assert run["processed"] == 35 and run["durationSeconds"] is not None
    stats = (await api.get("/api/sync/statistics", params=Q)).json()
    assert (stats["runs"], stats["successRate"], stats["recordsProcessed"]) == (1, 1.0, 35)
    filtered = (await api.get("/api/sync/logs", params={**Q, "status": "error"})).json()
    assert filtered["total"] == 0


async def test_schedule_stop_and_restart(api: httpx2.AsyncClient) -> None:
    put = await api.put(
        "/api/sync/schedule",
        params=Q,
        json={"incrementalMinutes": 30, "fullHour": 3, "timezone": "UTC"},
    )
    assert put.status_code == 200
    assert (put.json()["incrementalMinutes"], put.json()["fullHour"], put.json()["fullMinute"]) == (
        30,
        3,
        0,
    )
    stopped = (await api.post("/api/sync/stop", params=Q)).json()
    assert stopped == {
        "integration": demo_sync.NAME,
        "stopRequested": False,
        "schedulePaused": True,
    }
    status = (await api.get("/api/sync/status", params=Q)).json()
    assert status["schedule"]["paused"] is True and status["schedule"]["updatedBy"] == "admin"
    restarted = await api.post("/api/sync/restart", params=Q)
    assert restarted.status_code == 202 and restarted.json()["syncType"] == "incremental"
    assert (await api.get("/api/sync/status", params=Q)).json()["schedule"]["paused"] is False


async def test_test_connection_needs_a_declared_operation(api: httpx2.AsyncClient) -> None:
    response = await api.get("/api/sync/test-connection", params=Q)
    assert response.status_code == 404
    assert "test_connection" in response.json()["error"]["message"]
