"""PandaDoc gap detection: with the simulator losing 10% of its webhooks, one
reconciliation makes `documents` equal the simulator's documents and counts the gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx2
from fastapi import FastAPI
from sqlalchemy import select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.pandadoc import operations as ops
from integrations.pandadoc.events import DOCUMENT_EVENTS, SubscriptionCreate
from integrations.reconciliation.ledger import read_ledger, record_run
from integrations.reconciliation.pandadoc import reconcile_documents
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.pandadoc import create_simulator
from integrations.storage.tables_vendor import DocumentRow
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    LinkedClock,
    make_client,
    new_document,
)

HOOK_URL = "https://integrations.example.com/api/v1/webhooks/pandadoc"


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=dt.UTC) if moment and moment.tzinfo is None else moment


async def _table(services: Services) -> dict[str, tuple[str, Any]]:
    async with services.db.sessions() as session:
        rows = await session.scalars(select(DocumentRow))
        return {r.external_id: (r.status, _utc(r.date_modified)) for r in rows}


async def test_one_reconciliation_heals_every_dropped_webhook(
    settings: Settings, services: Services
) -> None:
    """12 documents created, sent and partly signed while 10% of webhooks are lost: the
    table differs from the simulator; one reconciliation makes them equal and counts exactly
    the documents the lost webhooks left stale."""
    app: FastAPI = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    sim = create_simulator(seed=5, processing_delay=0)
    sim.emitter.transport = httpx2.ASGITransport(app=app)
    clock = LinkedClock(sim)
    client = make_client(sim, clock)
    hook = await ops.create_webhook_subscription(
        client, SubscriptionCreate(name="ours", url=HOOK_URL, triggers=sorted(DOCUMENT_EVENTS))
    )
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "credentials": {"webhook_secret": hook.shared_key}}
    )
    await services.update_config("pandadoc", update, changed_by="test")
    sim.configure(webhook_drop_rate=0.1)
    for n in range(12):
        created = await new_document(client, sim)
        await ops.send_document(client, created.id)
        for email in (CLIENT_EMAIL, SENDER_EMAIL)[: n % 3]:
            await sim.sign(created.id, email)
        clock.advance(1.0)
    while await app.state.webhooks.worker.run_once():
        pass

    truth = {
        item.id: (item.status, _utc(item.date_modified))
        async for item in ops.iter_documents(client)
    }
    before = await _table(services)
    stale = {doc_id for doc_id, state in truth.items() if before.get(doc_id) != state}
    dropped = {(d["document_id"], d["date_modified"]) for d in sim.hub.dropped}
    assert stale, "the seed must lose at least one document's last webhook"
    assert all(any(doc == doc_id for doc, _ in dropped) for doc_id in stale)

    run = await reconcile_documents(services, client)
    ledger = await record_run(services, run)

    assert await _table(services) == truth
    assert sorted(run.gaps) == sorted(stale)
    assert ledger.gaps_total == len(stale) and ledger.checked_total == 12
    assert (await read_ledger(services, "pandadoc", "documents")).gaps_total == len(stale)
    again = await reconcile_documents(services, client)
    assert again.gaps == []  # healed rows are not found again
    await client.aclose()
