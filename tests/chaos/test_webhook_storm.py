"""PandaDoc and Typeform webhooks redelivered out of order and several times: each event is
stored and processed once, and the local rows end in the vendor's latest state.

The simulators run real activity (a document lifecycle: create, send, view, sign; form
submissions) while our receiver is down (an app answering 503), so the signed deliveries pile
up. The vendor then redelivers them, shuffled and with repeats, some at the same time, to our
API's receiver; the webhook worker drains the inbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.core.clock import VirtualClock
from integrations.pandadoc import operations as ops
from integrations.pandadoc.events import DOCUMENT_EVENTS, SubscriptionCreate
from integrations.pandadoc.webhooks import apply_document_events
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators import typeform as typeform_sim
from integrations.simulators.emitter import Delivery
from integrations.simulators.pandadoc import create_simulator
from integrations.simulators.transport import SimulatorTransport
from integrations.simulators.typeform_data import ONBOARDING_FORM_ID
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.storage.tables_vendor import DocumentRow, FormResponseRow
from integrations.typeform import TypeformIntegration
from integrations.typeform import operations as typeform_ops
from integrations.typeform.models import WebhookUpdate
from integrations.webhooks.dispatch import InboxEvent
from integrations.webhooks.runtime import WebhookRuntime
from tests.chaos.logwatch import LogWatch
from tests.helpers.http_server import Answer, ScriptedApp
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    LinkedClock,
    make_client,
    new_document,
)

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

OURS = "https://integrations.example.com"
HOOK_PATH = "/api/v1/webhooks/pandadoc"
TF_SECRET = "chaos-typeform-secret-0123456789"
SAME_TIME = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(name="app")
def _app(settings: Settings, services: Services) -> FastAPI:
    app = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    return app


def _asgi(app: ScriptedApp) -> Any:
    """The scripted app as the ASGI callable transports take (its signature is looser)."""
    return app


async def _lifecycle_while_we_are_down() -> tuple[Any, str, list[Delivery]]:
    """Two documents through their lifecycle; every delivery meets a receiver answering 503."""
    sim = create_simulator(seed=31)
    down = ScriptedApp()
    down.default = Answer(503)
    sim.emitter.routes[OURS] = httpx2.ASGITransport(app=_asgi(down))
    client = make_client(sim, LinkedClock(sim))
    hook = await ops.create_webhook_subscription(
        client,
        SubscriptionCreate(name="ours", url=OURS + HOOK_PATH, triggers=sorted(DOCUMENT_EVENTS)),
    )
    signed = await new_document(client, sim)
    await ops.send_document(client, signed.id)
    await sim.view(signed.id)
    for email in (CLIENT_EMAIL, SENDER_EMAIL):
        await sim.sign(signed.id, email)
    half = await new_document(client, sim, name="Half")
    await ops.send_document(client, half.id)
    await sim.sign(half.id, CLIENT_EMAIL)
    await client.aclose()
    deliveries = sim.hub.subscriptions[hook.uuid].deliveries
    assert deliveries and not any(d.delivered for d in deliveries)
    assert down.count == len(deliveries)
    assert hook.shared_key
    return sim, hook.shared_key, deliveries


async def _redeliver(app: FastAPI, deliveries: list[Delivery], rng: random.Random) -> None:
    """Every delivery once or three times, shuffled, four at a time: all acknowledged."""
    storm = [d for d in deliveries for _ in range(rng.choice((1, 1, 3)))]
    rng.shuffle(storm)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=OURS) as http:
        for i in range(0, len(storm), 4):
            answers = await asyncio.gather(
                *(
                    http.post(
                        httpx2.URL(d.url).path, content=d.body, headers=d.headers, params=d.params
                    )
                    for d in storm[i : i + 4]
                )
            )
            statuses = [(a.status_code, a.json()["status"]) for a in answers]
            assert all(s == 200 and v in {"accepted", "duplicate"} for s, v in statuses), statuses


async def test_shuffled_and_repeated_deliveries_end_in_the_latest_state(
    app: FastAPI, services: Services, logs: LogWatch
) -> None:
    sim, shared_key, deliveries = await _lifecycle_while_we_are_down()
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "credentials": {"webhook_secret": shared_key}}
    )
    await services.update_config("pandadoc", update, changed_by="test")
    await _redeliver(app, deliveries, random.Random(5))
    while await app.state.webhooks.worker.run_once():
        pass
    async with services.db.sessions() as session:
        events = list(await session.scalars(select(WebhookEventRow)))
        documents = list(await session.scalars(select(DocumentRow)))
    ids = sorted(e.event_id for e in events)
    assert ids == sorted({d.event_id for d in deliveries})  # each stored once
    assert {e.status for e in events} == {"processed"}
    assert all(e.attempts == 1 for e in events)  # each processed once
    local = {d.external_id: d for d in documents}
    assert set(local) == set(sim.state.documents)
    for doc_id, vendor in sim.state.documents.items():
        assert local[doc_id].status == vendor.status, doc_id
        signed = {r["email"]: r["has_completed"] for r in local[doc_id].recipients}
        assert signed == {r.email: r.has_completed for r in vendor.recipients}, doc_id
    logs.assert_clean()


def _viewed(event: str, signed: bool) -> InboxEvent:
    """A same-time notification about one viewed document, the client signed or not."""
    recipients = [
        {"id": "r-client", "email": CLIENT_EMAIL, "role": "Client", "has_completed": signed}
    ]
    data = {
        "id": "D1",
        "name": "Deal",
        "status": "document.viewed",
        "date_modified": SAME_TIME.isoformat(),
        "recipients": recipients,
    }
    return InboxEvent(
        1, "pandadoc", event, event, [{"event": event, "data": data}], {}, SAME_TIME, 1
    )


async def test_a_same_time_snapshot_after_a_signature_keeps_it(services: Services) -> None:
    """The storm's finding, pinned: `recipient_completed` processed first, then the
    `document_state_changed` of the same instant (its snapshot predates the signature)."""
    for event in (_viewed("recipient_completed", True), _viewed("document_state_changed", False)):
        async with services.db.sessions.begin() as session:
            await apply_document_events(event, session)
    async with services.db.sessions() as session:
        [row] = list(await session.scalars(select(DocumentRow)))
    assert row.status == "document.viewed"
    assert [r["has_completed"] for r in row.recipients] == [True]


async def test_typeform_responses_redelivered_are_stored_once_each(
    app: FastAPI, services: Services, logs: LogWatch
) -> None:
    sim = typeform_sim.create_simulator(seed=9, retry_delays=(), backoff_delays=())
    sim.set_rate_limits([])
    down = ScriptedApp()
    down.default = Answer(503)
    sim.emitter.routes[OURS] = httpx2.ASGITransport(app=_asgi(down))
    client = TypeformIntegration(
        transport=SimulatorTransport(sim), credentials={"token": "tfp_chaos"}, clock=VirtualClock()
    )
    hook = WebhookUpdate(url=OURS + "/api/v1/webhooks/typeform", enabled=True, secret=TF_SECRET)
    await typeform_ops.put_webhook(
        client, ONBOARDING_FORM_ID, "chaos", hook.model_copy(update={"verify_ssl": False})
    )
    await client.aclose()
    deliveries = []
    for i in range(8):
        submission = await sim.submit(ONBOARDING_FORM_ID, {"full_name": f"Respondent {i}"})
        deliveries += [d for _, d in submission.deliveries]
    assert len(deliveries) == 8 and not any(d.delivered for d in deliveries)
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "credentials": {"webhook_secret": TF_SECRET}}
    )
    await services.update_config("typeform", update, changed_by="test")

    await _redeliver(app, deliveries, random.Random(8))
    while await app.state.webhooks.worker.run_once():
        pass
    async with services.db.sessions() as session:
        events = list(await session.scalars(select(WebhookEventRow)))
        stored = list(await session.scalars(select(FormResponseRow)))
    assert sorted(e.event_id for e in events) == sorted(d.event_id for d in deliveries)
    assert {(e.status, e.attempts) for e in events} == {("processed", 1)}
    vendor = {r["token"] for r in sim.responses[ONBOARDING_FORM_ID][-8:]}
    assert sorted(r.token for r in stored) == sorted(vendor)  # each response once
    assert {r.response_type for r in stored} == {"completed"}
    logs.assert_clean()
