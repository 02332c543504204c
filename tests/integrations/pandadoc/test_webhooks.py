"""PandaDoc webhooks: the signed flow end to end, and the `documents` upsert rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.pandadoc import operations as ops
from integrations.pandadoc.events import DOCUMENT_EVENTS, SubscriptionCreate, parse_notifications
from integrations.pandadoc.models import DocumentStatus
from integrations.pandadoc.subscriptions import remember_subscription
from integrations.pandadoc.webhooks import (
    DELETED,
    apply_document_events,
    register,
    should_apply,
    status_rank,
)
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.pandadoc import create_simulator
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.storage.tables_vendor import DocumentRow
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    LinkedClock,
    make_client,
    new_document,
)

HOOK_URL = "https://integrations.example.com/api/v1/webhooks/pandadoc"
T0 = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(name="app")
def _app(settings: Settings, services: Services) -> FastAPI:
    """Our API with its webhook runtime built (the worker is run by hand)."""
    app = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    return app


async def _enable(services: Services, **credentials: str) -> None:
    fields: dict[str, Any] = {"enabled": True}
    if credentials:
        fields["credentials"] = credentials
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config("pandadoc", update, changed_by="test")


async def _documents(services: Services) -> list[DocumentRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(DocumentRow).order_by(DocumentRow.id)))


@pytest.mark.parametrize(
    "secret_source",
    [
        pytest.param("credential", id="webhook_secret-credential"),
        pytest.param("subscription", id="stored-subscription"),
    ],
)
async def test_create_send_sign_reaches_our_documents_table(
    app: FastAPI, services: Services, secret_source: str
) -> None:
    """Create from template, send at once (the client waits for draft), both recipients
    sign; PandaDoc's signed webhooks reach our endpoint, the worker marks the local
    document completed with both signatures, and the signed PDF downloads."""
    sim = create_simulator(seed=11)
    sim.emitter.transport = httpx2.ASGITransport(app=app)
    clock = LinkedClock(sim)
    client = make_client(sim, clock)
    hook = await ops.create_webhook_subscription(
        client, SubscriptionCreate(name="ours", url=HOOK_URL, triggers=sorted(DOCUMENT_EVENTS))
    )
    assert hook.shared_key
    if secret_source == "credential":
        await _enable(services, webhook_secret=hook.shared_key)
    else:
        await remember_subscription(services, hook)
        await _enable(services)

    created = await new_document(client, sim)
    sent = await ops.send_document(client, created.id)
    assert sent.status == DocumentStatus.SENT
    for email in (CLIENT_EMAIL, SENDER_EMAIL):
        await sim.sign(created.id, email)
    pdf = await ops.download_document(client, created.id)
    assert pdf.startswith(b"%PDF-")

    deliveries = sim.hub.subscriptions[hook.uuid].deliveries
    assert len(deliveries) == 7 and all(d.delivered for d in deliveries)
    processed = await app.state.webhooks.worker.run_once()
    assert processed == 7
    [row] = await _documents(services)
    assert (row.external_id, row.name, row.status) == (created.id, "Deal", "document.completed")
    assert [(r["email"], r["has_completed"]) for r in row.recipients] == [
        (CLIENT_EMAIL, True),
        (SENDER_EMAIL, True),
    ]
    assert row.date_completed is not None and row.date_created is not None
    assert row.last_event in {"document_state_changed", "document_completed_pdf_ready"}
    async with services.db.sessions() as session:
        states = list(await session.scalars(select(WebhookEventRow.status)))
    assert states == ["processed"] * 7
    await client.aclose()


async def test_a_tampered_delivery_is_refused(app: FastAPI, services: Services) -> None:
    """A body that does not match its `?signature=` is 401 and stores nothing."""
    await _enable(services, webhook_secret="shared-key-0123456789")
    body = json.dumps([{"event": "document_state_changed", "data": {"id": "D"}}]).encode()
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="https://integrations.test"
    ) as http:
        answer = await http.post(
            "/api/v1/webhooks/pandadoc", content=body, params={"signature": "00" * 32}
        )
    assert answer.status_code == 401
    async with services.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEventRow)) == 0


def _note(
    event: str,
    status: str | None,
    modified: dt.datetime | None,
    *,
    doc: str = "D1",
    signed: tuple[str, ...] = (),
    **data: Any,
) -> dict[str, Any]:
    recipients = [
        {"id": f"r-{email}", "email": email, "role": "Client", "has_completed": email in signed}
        for email in (CLIENT_EMAIL, SENDER_EMAIL)
    ]
    body = {
        "id": doc,
        "name": "Deal",
        "status": status,
        "date_created": T0.isoformat(),
        "date_modified": modified.isoformat() if modified else None,
        "date_completed": None,
        "recipients": recipients,
    }
    return {"event": event, "data": body | data}


def _event(*notes: dict[str, Any], event_id: str = "e") -> InboxEvent:
    kind = notes[0]["event"] if notes else None
    return InboxEvent(1, "pandadoc", event_id, kind, list(notes), {}, T0, 1)


async def _deliver(services: Services, *events: InboxEvent) -> None:
    for event in events:
        async with services.db.sessions.begin() as session:
            await apply_document_events(event, session)


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def test_out_of_order_and_repeated_events_never_step_back(services: Services) -> None:
    """Completed arriving before sent/viewed stays completed; a repeat changes nothing; a
    same-time recipient event still records the signature."""
    completed = _note(
        "document_state_changed", "document.completed", _at(30), signed=(CLIENT_EMAIL,)
    )
    viewed = _note("document_state_changed", "document.viewed", _at(20))
    sent = _note("document_state_changed", "document.sent", _at(10))
    same_time = _note(
        "recipient_completed", "document.viewed", _at(30), signed=(CLIENT_EMAIL, SENDER_EMAIL)
    )
    await _deliver(services, _event(completed), _event(viewed), _event(sent), _event(completed))
    await _deliver(services, _event(same_time))
    [row] = await _documents(services)
    assert row.status == "document.completed" and row.date_modified == _at(30)
    assert row.last_event == "document_state_changed"
    assert [r["has_completed"] for r in row.recipients] == [True, True]


async def test_newer_event_may_leave_a_terminal_state(services: Services) -> None:
    """Only a newer notification moves a completed document (a revert to draft), and it
    clears the signatures; deletion is final against anything older."""
    completed = _note(
        "document_state_changed",
        "document.completed",
        _at(30),
        signed=(CLIENT_EMAIL, SENDER_EMAIL),
        date_completed=_at(30).isoformat(),
    )
    reverted = _note("document_updated", "document.draft", _at(40))
    deleted = _note("document_deleted", "document.draft", _at(50))
    await _deliver(services, _event(completed), _event(reverted))
    [row] = await _documents(services)
    assert (row.status, row.date_completed, row.last_event) == (
        "document.draft",
        None,
        "document_updated",
    )
    assert [r["has_completed"] for r in row.recipients] == [False, False]
    await _deliver(services, _event(deleted), _event(completed))
    [row] = await _documents(services)
    assert row.status == DELETED and row.last_event == "document_deleted"


async def test_one_delivery_with_several_documents_and_other_events(services: Services) -> None:
    """A delivery array updates each document it names; template events and malformed
    items are skipped; a failed creation is recorded as `document.error`."""
    delivery = _event(
        _note("document_state_changed", "document.draft", _at(1), doc="A"),
        {"event": "template_created", "data": {"id": "T"}},
        {"event": "document_state_changed", "data": {}},
        _note("document_creation_failed", "document.error", _at(2), doc="B"),
        {"no": "event"},
    )
    await _deliver(services, delivery, _event(event_id="empty"))
    rows = {r.external_id: r.status for r in await _documents(services)}
    assert rows == {"A": "document.draft", "B": "document.error"}


async def test_concurrent_deliveries_for_a_new_document_do_not_collide(
    services: Services,
) -> None:
    """Two deliveries for the same unseen document, processed at once, both commit (the
    row is created with ON CONFLICT DO NOTHING and locked) and the newer one wins."""
    first = _event(_note("document_state_changed", "document.sent", _at(10)), event_id="1")
    second = _event(_note("document_state_changed", "document.viewed", _at(20)), event_id="2")
    await asyncio.gather(_deliver(services, first), _deliver(services, second))
    [row] = await _documents(services)
    assert row.status == "document.viewed"


@pytest.mark.parametrize(
    ("current", "current_at", "new", "new_at", "expected"),
    [
        pytest.param(None, None, "document.sent", _at(1), True, id="new-row"),
        pytest.param("document.sent", _at(1), "document.draft", _at(2), True, id="newer-wins"),
        pytest.param("document.viewed", _at(2), "document.sent", _at(1), False, id="older-loses"),
        pytest.param(
            "document.completed", _at(5), "document.viewed", _at(5), False, id="same-time-back"
        ),
        pytest.param(
            "document.viewed", _at(5), "document.completed", _at(5), True, id="same-time-forward"
        ),
        pytest.param(
            "document.completed", None, "document.sent", _at(9), False, id="undated-terminal"
        ),
        pytest.param("document.draft", _at(1), DELETED, None, True, id="undated-delete"),
    ],
)
def test_should_apply(
    current: str | None,
    current_at: dt.datetime | None,
    new: str,
    new_at: dt.datetime | None,
    expected: bool,
) -> None:
    """Newer by `date_modified` wins; at the same or an unknown time, never backwards."""
    assert should_apply(current, current_at, new, new_at) is expected


def test_ranks_and_parsing() -> None:
    """Terminal statuses outrank the active ones; a single-object body is accepted."""
    assert (
        status_rank("document.paid")
        > status_rank("document.completed")
        > status_rank("document.viewed")
    )
    assert status_rank("document.someday") == 0 and status_rank(None) == 0
    [note] = parse_notifications({"event": "document_updated", "data": {"id": "X"}})
    assert note.document() is not None and parse_notifications("nope") == []
    unknown = parse_notifications(
        [{"event": "document_updated", "data": {"id": "X", "status": "odd"}}]
    )
    assert unknown[0].document().known_status is None  # type: ignore[union-attr]
    handlers = HandlerRegistry()
    register(handlers)
    assert handlers.for_event("pandadoc", "anything") == [apply_document_events]
