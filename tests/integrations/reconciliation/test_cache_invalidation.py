"""Webhook-driven cache invalidation through the process factory: a cached
`get_document_details` is served from the cache until the document's next webhook is
processed; the next read reaches the simulator."""

from __future__ import annotations

import httpx2
from fastapi import FastAPI

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.pandadoc import operations as ops
from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.events import DOCUMENT_EVENTS, SubscriptionCreate
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.pandadoc.conftest import new_document

HOOK_URL = "https://integrations.example.com/api/v1/webhooks/pandadoc"


async def _configure(services: Services, **fields: object) -> None:
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config("pandadoc", update, changed_by="test")


async def _pandadoc(factory: IntegrationFactory) -> PandaDocIntegration:
    client = await factory.get("pandadoc")
    assert isinstance(client, PandaDocIntegration)
    return client


async def test_a_documents_next_webhook_invalidates_its_cached_details(
    settings: Settings, services: Services
) -> None:
    app: FastAPI = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    await _configure(services, enabled=True, mode="mock", cache_ttl_seconds=300)
    factory = IntegrationFactory.for_process(services)
    try:
        client = await _pandadoc(factory)
        sim = factory.simulator("pandadoc")
        assert isinstance(sim, PandaDocSimulator)
        sim.configure(processing_delay=0)
        sim.emitter.transport = httpx2.ASGITransport(app=app)
        hook = await ops.create_webhook_subscription(
            client, SubscriptionCreate(name="ours", url=HOOK_URL, triggers=sorted(DOCUMENT_EVENTS))
        )
        await _configure(services, credentials={"webhook_secret": hook.shared_key})
        client = await _pandadoc(factory)  # the new configuration; breaker and cache are kept
        created = await new_document(client, sim)
        while await app.state.webhooks.worker.run_once():
            pass
        path = f"/public/v1/documents/{created.id}/details"

        await ops.get_document_details(client, created.id)
        await ops.get_document_details(client, created.id)
        assert len(sim.journal.all(path=path)) == 1  # the second read came from the cache

        await ops.send_document(client, created.id)  # the simulator sends its webhook
        assert await app.state.webhooks.worker.run_once() >= 1  # stored as a change
        await ops.get_document_details(client, created.id)
        assert len(sim.journal.all(path=path)) == 2  # invalidated: the read reached PandaDoc
    finally:
        await factory.close()
