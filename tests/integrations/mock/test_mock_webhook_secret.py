"""The webhook secret of mock mode: generated once, kept across restarts, never logged.

The server runs as the ASGI app with its lifespan (twice, for a restart), on SQLite and on
PostgreSQL; the simulator it serves signs its deliveries with the stored secret, and the
receiver of the same app accepts them.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from sqlalchemy import select
from structlog.testing import capture_logs

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.mock_webhooks import ensure_webhook_secret
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.tables import IntegrationConfigHistoryRow

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}


async def _configure(services: Services, name: str, **fields: Any) -> None:
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config(name, update, changed_by="test")


async def _history(services: Services, changed_by: str) -> list[IntegrationConfigHistoryRow]:
    async with services.db.sessions() as session:
        rows = await session.scalars(
            select(IntegrationConfigHistoryRow).where(
                IntegrationConfigHistoryRow.integration == "pandadoc",
                IntegrationConfigHistoryRow.changed_by == changed_by,
            )
        )
        return list(rows)


async def _serve_once(settings: Settings, services: Services) -> dict[str, Any]:
    """Start the app, build PandaDoc's mock client through an action, let its simulator
    deliver one event (processing ends), stop; what the API showed."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(
            transport=transport, base_url="http://t", headers=ADMIN, timeout=30
        ) as api:
            listed = await api.post("/api/v1/integrations/pandadoc/actions/list_templates")
            assert listed.status_code == 200, listed.text
            template = listed.json()["templates"][0]["id"]
            created = await api.post(
                "/api/v1/integrations/pandadoc/actions/create_document",
                json={
                    "template_id": template,
                    "name": "Restart",
                    "recipients": [{"email": "client@example.com", "role": "Client"}],
                    "wait_for_draft": False,
                },
            )
            assert created.status_code == 200, created.text
            sim = app.state.factory.simulator("pandadoc")
            await sim.advance(10)  # processing ends: `document_state_changed` is delivered
            [delivery] = sim.emitter.deliveries
            shown = (await api.get("/api/v1/integrations/pandadoc")).json()
            return {"delivery": delivery, "shown": shown, "secret": sim.emitter.secret}


async def test_generated_once_kept_across_restarts_never_logged(
    settings: Settings, services: Services
) -> None:
    """Mock mode without a secret: the first start stores one (encrypted, masked in the API
    and history), the restart signs with the same one, and no log event ever holds it."""
    await _configure(services, "pandadoc", enabled=True, mode="mock")
    with capture_logs() as logs:
        first = await _serve_once(settings, services)
        stored = await services.get_config("pandadoc")
        second = await _serve_once(settings, services)

    secret = stored.credentials["webhook_secret"]
    assert len(secret) >= 40 and first["secret"] == second["secret"] == secret
    assert (await services.get_config("pandadoc")).version == stored.version  # not regenerated
    for run in (first, second):
        assert run["delivery"].attempts[-1]["status"] == 200  # our receiver verified it
        assert run["shown"]["config"]["credentials"]["webhook_secret"] == "set"
        assert secret not in json.dumps(run["shown"])
    [generated] = await _history(services, "mock-mode")
    assert generated.new_value["credentials"] == {"webhook_secret": "***"}
    assert secret not in str(generated.new_value)
    events = [e for e in logs if e["event"] == "webhooks.mock_secret_generated"]
    assert [e["integration"] for e in events] == ["pandadoc"]
    assert not [e for e in logs if secret in repr(e)]
    assert any(e["event"] == "webhook.received" for e in logs)  # the deliveries were logged


async def test_concurrent_processes_store_one_secret(
    settings: Settings, services: Services
) -> None:
    """Four processes' first mock clients at once (each its own connections) store exactly
    one secret, and every one of them signs with it."""
    await _configure(services, "pandadoc", enabled=True, mode="mock")
    before = (await services.get_config("pandadoc")).version
    processes = [Services(settings) for _ in range(4)]
    try:
        found = await asyncio.gather(*(ensure_webhook_secret(p, "pandadoc") for p in processes))
    finally:
        for process in processes:
            await process.close()
    assert len({c.credentials["webhook_secret"] for c in found}) == 1
    assert {c.version for c in found} == {before + 1}
    assert len(await _history(services, "mock-mode")) == 1


async def test_an_operator_secret_is_used_as_it_is(settings: Settings, services: Services) -> None:
    """A secret the operator set is the one the simulator signs with; none is generated."""
    await _configure(
        services,
        "pandadoc",
        enabled=True,
        mode="mock",
        credentials={"webhook_secret": "operator-chosen-secret-0123456789"},
    )
    version = (await services.get_config("pandadoc")).version
    run = await _serve_once(settings, services)
    assert run["secret"] == "operator-chosen-secret-0123456789"
    assert run["delivery"].attempts[-1]["status"] == 200
    assert (await services.get_config("pandadoc")).version == version
    assert await _history(services, "mock-mode") == []
