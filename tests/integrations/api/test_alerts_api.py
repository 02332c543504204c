"""`/api/v1/alerts`: filtered pages newest first, one alert, manual resolve, test notice."""

from __future__ import annotations

import base64
import datetime as dt
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
import standardwebhooks

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.ops_config import AlertSettings
from integrations.services import Services
from integrations.telemetry.alerts import AlertManager, AlertSignal
from tests.helpers.http_server import serve_app
from tests.integrations.api.conftest import AUTH

SECRET = "whsec_" + base64.b64encode(b"alerts-api-test-secret-012345678").decode()
URL = "/api/v1/alerts"


async def open_alerts(services: Services, *keys: str) -> None:
    manager = AlertManager(services.db, AlertSettings(), channels=[])
    for key in keys:
        kind, integration = key.split(":")
        signal = AlertSignal(kind, integration, "warning", f"{kind} on {integration}")  # type: ignore[arg-type]
        await manager.fire(signal, dedupe_key=key)


async def test_list_filters_and_pages_newest_first(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Five alerts, pages of two, newest first; filters by status, integration and kind."""
    await open_alerts(
        services,
        "failure_rate:a",
        "breaker_open:a",
        "failure_rate:b",
        "job_failed:x",
        "rate_limited:a",
    )
    await AlertManager(services.db, AlertSettings(), channels=[]).resolve("breaker_open:a", "ok")
    first = (await client.get(URL, params={"limit": 2})).json()
    assert [i["dedupe_key"] for i in first["items"]] == ["rate_limited:a", "job_failed:x"]
    assert first["total"] == 5
    second = (
        await client.get(URL, params={"limit": 2, "before_id": first["next_before_id"]})
    ).json()
    assert [i["dedupe_key"] for i in second["items"]] == ["failure_rate:b", "breaker_open:a"]
    third = (
        await client.get(URL, params={"limit": 2, "before_id": second["next_before_id"]})
    ).json()
    assert [i["dedupe_key"] for i in third["items"]] == ["failure_rate:a"]
    assert third["next_before_id"] is None
    query = {"status": "open", "integration": "a"}
    assert [i["kind"] for i in (await client.get(URL, params=query)).json()["items"]] == [
        "rate_limited",
        "failure_rate",
    ]
    resolved = (await client.get(URL, params={"status": "resolved"})).json()
    assert [i["dedupe_key"] for i in resolved["items"]] == ["breaker_open:a"]
    by_kind = (await client.get(URL, params={"kind": "failure_rate"})).json()
    assert by_kind["total"] == 2
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert (await client.get(URL, params={"since": future})).json()["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"status": "closed"}, "status", id="status"),
        pytest.param({"kind": "everything"}, "kind", id="kind"),
        pytest.param({"since": "2026-01-01"}, "since", id="since-without-zone"),
        pytest.param({"limit": "0"}, "limit", id="limit-zero"),
        pytest.param({"limit": "501"}, "limit", id="limit-too-big"),
        pytest.param({"before_id": "2147483648"}, "before_id", id="before-id-overflow"),
        pytest.param({"integration": "a\x00b"}, "integration", id="integration-nul"),
    ],
)
async def test_bad_filters_answer_422_naming_the_field(
    client: httpx2.AsyncClient, params: dict[str, str], field: str
) -> None:
    """Every bad filter is a 422 whose errors name the parameter."""
    response = await client.get(URL, params=params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["error"]["errors"]] == [field]


async def test_get_one_and_404(client: httpx2.AsyncClient, services: Services) -> None:
    """An alert by id with its deliveries; a missing id is a 404 `not_found`."""
    await open_alerts(services, "breaker_open:pandadoc")
    [item] = (await client.get(URL)).json()["items"]
    one = await client.get(f"{URL}/{item['id']}")
    assert one.status_code == 200 and one.json()["kind"] == "breaker_open"
    missing = await client.get(f"{URL}/999999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (await client.get(f"{URL}/0")).status_code == 422


async def test_manual_resolve_then_409(client: httpx2.AsyncClient, services: Services) -> None:
    """An operator resolves once (message and who are kept); again is 409; unknown is 404."""
    await open_alerts(services, "job_failed:sync")
    [item] = (await client.get(URL)).json()["items"]
    done = await client.post(f"{URL}/{item['id']}/resolve", json={"message": "fixed the cron"})
    assert done.status_code == 200
    assert done.json()["status"] == "resolved"
    assert done.json()["details"]["resolution"] == "fixed the cron (admin)"
    again = await client.post(f"{URL}/{item['id']}/resolve")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert (await client.post(f"{URL}/424242/resolve")).status_code == 404
    bad = await client.post(f"{URL}/{item['id']}/resolve", json={"message": 5, "x": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["error"]["errors"]} == {"message", "x"}


class Receiver:
    """Keeps every request's headers and body; answers 200."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[dict[str, str], bytes]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        with self.lock:
            self.received.append(({k.decode(): v.decode() for k, v in scope["headers"]}, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(name="configured_client")
async def _configured_client(
    settings: Settings, services: Services
) -> AsyncIterator[tuple[httpx2.AsyncClient, Receiver]]:
    receiver = Receiver()
    with serve_app(receiver) as url:
        alerts = AlertSettings.model_validate(
            {
                "webhook_url": url + "/hook",
                "webhook_secret": SECRET,
                "allowed_private_hosts": ["127.0.0.1"],
                "email_to": ["ops@example.com"],
            }
        )
        configured = settings.model_copy(update={"alerts": alerts})
        app_services = Services(configured, services.db)
        app = create_app(configured, app_services)
        app.state.services = app_services
        transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=AUTH) as c:
            yield c, receiver


async def test_test_notice_reports_each_channel(
    configured_client: tuple[httpx2.AsyncClient, Receiver],
) -> None:
    """The webhook receives a verifiable `alert.test`; email reports itself unavailable."""
    client, receiver = configured_client
    response = await client.post(f"{URL}/test")
    assert response.status_code == 200
    results = {c["channel"]: c["status"] for c in response.json()["channels"]}
    assert results == {"webhook": "sent", "email": "unavailable"}
    [(headers, body)] = receiver.received
    assert standardwebhooks.Webhook(SECRET).verify(body, headers)["type"] == "alert.test"
    assert (await client.get(URL)).json()["total"] == 0  # a test notice is not an alert


async def test_alerts_need_the_admin_token(client: httpx2.AsyncClient) -> None:
    """Without a bearer token every alerts route is a 401."""
    for method, path in [
        ("GET", URL),
        ("GET", f"{URL}/1"),
        ("POST", f"{URL}/1/resolve"),
        ("POST", f"{URL}/test"),
    ]:
        response = await client.request(method, path, headers={"Authorization": ""})
        assert response.status_code == 401, path
