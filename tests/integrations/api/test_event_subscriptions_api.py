"""`/api/v1/event-subscriptions`: secret shown once, destination rules (422 naming `url`),
dead letters listed, and a replay that delivers them once the receiver is fixed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from integrations.api.app import create_app
from integrations.changes.delivery import ChangeDispatcher
from integrations.config import Settings
from integrations.ops_config import ChangeEventSettings
from integrations.services import Services
from integrations.storage.db import Database
from tests.helpers.http_server import serve_app
from tests.integrations.api.conftest import AUTH
from tests.integrations.changes.receiver import ChangeReceiver
from tests.integrations.changes.test_change_delivery import SECRET, record


@pytest.fixture(name="loopback_services")
def _loopback_services(settings: Settings, db: Database) -> Services:
    events = ChangeEventSettings(allowed_private_hosts=["127.0.0.1"])
    return Services(settings.model_copy(update={"change_events": events}), db)


@pytest.fixture(name="api")
async def _api(loopback_services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    app = create_app(loopback_services.settings, loopback_services)
    app.state.services = loopback_services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test", headers=AUTH) as c:
        yield c


async def test_secret_is_shown_once_and_private_urls_need_the_allow_list(
    client: httpx2.AsyncClient, api: httpx2.AsyncClient
) -> None:
    """Without the allow-list a loopback URL is a 422 naming `url`; with it, the generated
    secret comes back in the create answer only."""
    body = {"name": "app", "url": "http://127.0.0.1:9/x", "entities": ["pandadoc:*"]}
    refused = await client.post("/api/v1/event-subscriptions", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["errors"][0]["field"] == "url"
    bad = await api.post("/api/v1/event-subscriptions", json={**body, "entities": ["nope"]})
    assert (bad.status_code, bad.json()["error"]["errors"][0]["field"]) == (422, "entities.0")
    created = await api.post("/api/v1/event-subscriptions", json=body)
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    one = await api.get(f"/api/v1/event-subscriptions/{created.json()['id']}")
    assert one.status_code == 200 and "secret" not in one.json()
    assert (await api.get("/api/v1/event-subscriptions/999")).status_code == 404
    assert (
        await client.get("/api/v1/event-subscriptions", headers={"Authorization": ""})
    ).status_code == 401


async def test_dead_letters_then_replay_delivers_them(
    api: httpx2.AsyncClient, loopback_services: Services
) -> None:
    """A 400-answering receiver leaves dead letters; after a fix, replay sends them once."""
    app = ChangeReceiver(SECRET, answer=lambda _id: 400)
    with serve_app(app) as url:
        created = await api.post(
            "/api/v1/event-subscriptions",
            json={"name": "app", "url": url + "/c", "entities": ["*:*"], "secret": SECRET},
        )
        sid = created.json()["id"]
        cursors = await record(
            loopback_services,
            ("pandadoc", "documents", "d1", "created"),
            ("pandadoc", "documents", "d2", "created"),
        )
        dispatcher = ChangeDispatcher(loopback_services)
        await dispatcher.run_once()
        dead = await api.get(f"/api/v1/event-subscriptions/{sid}/deliveries?status=dead")
        assert [d["change_id"] for d in dead.json()["items"]] == cursors
        assert dead.json()["items"][0]["last_status"] == 400
        app.answer = lambda _id: 204
        replayed = await api.post(f"/api/v1/event-subscriptions/{sid}/replay?after=0")
        assert replayed.json()["pending"] == 2
        await dispatcher.run_once()
        await dispatcher.run_once()
    assert sorted(b["data"]["cursor"] for _, b in app.accepted) == cursors
    left = await api.get(f"/api/v1/event-subscriptions/{sid}/deliveries?status=dead")
    assert left.json()["items"] == []


async def test_update_rotate_and_delete(api: httpx2.AsyncClient) -> None:
    """PATCH checks the URL again and answers a rotated secret once; DELETE then 404."""
    created = await api.post(
        "/api/v1/event-subscriptions",
        json={"name": "app", "url": "http://127.0.0.1:9/x", "entities": ["*:*"]},
    )
    path = f"/api/v1/event-subscriptions/{created.json()['id']}"
    refused = await api.patch(path, json={"url": "http://10.1.2.3/x"})
    assert (refused.status_code, refused.json()["error"]["errors"][0]["field"]) == (422, "url")
    rotated = await api.patch(path, json={"rotate_secret": True, "enabled": False})
    assert rotated.status_code == 200 and rotated.json()["enabled"] is False
    assert rotated.json()["secret"] not in (None, created.json()["secret"])
    plain = await api.patch(path, json={"name": "renamed"})
    assert plain.json()["name"] == "renamed" and "secret" not in plain.json()
    assert (await api.patch(path, json={"bogus": 1})).status_code == 422
    assert (await api.delete(path)).status_code == 204
    assert (await api.get(path)).status_code == 404


async def test_disabled_then_enabled_receives_what_was_recorded_meanwhile(
    api: httpx2.AsyncClient, loopback_services: Services
) -> None:
    """A disabled subscription is sent nothing; enabled again, it gets the changes recorded
    while it was off, as docs/changes.md says."""
    app = ChangeReceiver(SECRET)
    with serve_app(app) as url:
        created = await api.post(
            "/api/v1/event-subscriptions",
            json={"name": "app", "url": url + "/c", "entities": ["*:*"], "secret": SECRET},
        )
        path = f"/api/v1/event-subscriptions/{created.json()['id']}"
        dispatcher = ChangeDispatcher(loopback_services)
        first = await record(loopback_services, ("pandadoc", "documents", "d1", "created"))
        await dispatcher.run_once()
        await api.patch(path, json={"enabled": False})
        later = await record(loopback_services, ("pandadoc", "documents", "d1", "updated"))
        await dispatcher.run_once()
        assert [b["data"]["cursor"] for _, b in app.accepted] == first
        await api.patch(path, json={"enabled": True})
        await dispatcher.run_once()
    assert [b["data"]["cursor"] for _, b in app.accepted] == first + later
