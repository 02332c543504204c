"""PandaDoc simulator: document lifecycle, signed webhooks, processing clock, control API."""

from __future__ import annotations

import uuid

import httpx2
import pytest

from integrations.simulators.pandadoc import PandaDocError, PandaDocSimulator, create_simulator
from tests.integrations.simulators.pandadoc_support import (
    Receiver,
    _client,
    _receiver,
    _sim,
    client_for,
    create_doc,
    ready_doc,
    subscribe,
)

__all__ = ["_client", "_receiver", "_sim"]


async def test_full_lifecycle_with_signed_webhooks(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, receiver: Receiver
) -> None:
    """Create, 409 while uploaded, draft after the delay, send, session, sign all, completed."""
    await subscribe(client, receiver)
    doc = await create_doc(client)
    assert doc["status"] == "document.uploaded" and doc["links"][0]["rel"] == "status"
    doc_id = doc["id"]
    early = await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    assert early.status_code == 409 and early.json()["status"] == "document.uploaded"
    assert (await client.get(f"/public/v1/documents/{doc_id}/details")).status_code == 409
    await sim.advance(3.0)
    status = (await client.get(f"/public/v1/documents/{doc_id}")).json()
    assert status["status"] == "document.draft" and status["version"] == "2"
    sent = await client.post(f"/public/v1/documents/{doc_id}/send", json={"silent": True})
    assert sent.status_code == 200 and sent.json()["status"] == "document.sent"
    assert all(r["shared_link"].startswith("https://") for r in sent.json()["recipients"])
    assert sim.state.outbox == []  # silent: state only, no emails
    session = await client.post(
        f"/public/v1/documents/{doc_id}/session",
        json={"recipient": "client@example.com", "lifetime": 900},
    )
    assert session.status_code == 201 and set(session.json()) == {"id", "expires_at"}
    await sim.sign(doc_id, "client@example.com")
    details = (await client.get(f"/public/v1/documents/{doc_id}/details")).json()
    assert details["status"] == "document.viewed"
    assert [r["has_completed"] for r in details["recipients"]] == [True, False]
    await sim.sign(doc_id, "sender@example.com")
    details = (await client.get(f"/public/v1/documents/{doc_id}/details")).json()
    assert details["status"] == "document.completed" and details["date_completed"]
    assert receiver.events() == [
        "document_state_changed",  # draft
        "document_state_changed",  # sent
        "document_state_changed",  # viewed
        "recipient_completed",
        "recipient_completed",
        "document_state_changed",  # completed
        "document_completed_pdf_ready",
    ]
    statuses = [c["body"][0]["data"]["status"] for c in receiver.calls]
    assert statuses[:3] == ["document.draft", "document.sent", "document.viewed"]
    assert all(call["signature_ok"] for call in receiver.calls)
    ids = [call["event_id"] for call in receiver.calls]
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i) for i in ids)
    completed = receiver.calls[3]["body"][0]["data"]
    assert completed["id"] == doc_id and completed["action_date"]
    assert completed["action_by"]["email"] == "client@example.com"


async def test_processing_is_checked_lazily_on_each_request(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Moving the clock without `advance()` hooks still moves the document on the next call."""
    doc = await create_doc(client)
    sim.clock.advance(2.9)
    status = (await client.get(f"/public/v1/documents/{doc['id']}")).json()["status"]
    assert status == "document.uploaded"
    sim.clock.advance(0.2)
    status = (await client.get(f"/public/v1/documents/{doc['id']}")).json()["status"]
    assert status == "document.draft"


async def test_failing_url_ends_in_error_with_creation_failed_event(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, receiver: Receiver
) -> None:
    """A PDF URL containing "fail" ends in document.error and emits document_creation_failed."""
    await subscribe(client, receiver)
    body = {"name": "Broken", "url": "https://files.example.com/fail.pdf"}
    doc = (await client.post("/public/v1/documents", json=body)).json()
    await sim.advance(3)
    status = (await client.get(f"/public/v1/documents/{doc['id']}")).json()["status"]
    assert status == "document.error"
    assert receiver.events() == ["document_state_changed", "document_creation_failed"]


async def test_upload_multipart_creates_document(client: httpx2.AsyncClient) -> None:
    """A multipart upload with `file` and `data` answers 201 document.uploaded."""
    files = {"file": ("nda.pdf", b"%PDF-1.4 minimal", "application/pdf")}
    data = {"data": '{"name": "Uploaded NDA", "recipients": [{"email": "a@example.com"}]}'}
    answer = await client.post("/public/v1/documents?upload", files=files, data=data)
    assert answer.status_code == 201
    assert answer.json()["status"] == "document.uploaded"
    assert answer.json()["name"] == "Uploaded NDA"
    missing = await client.post("/public/v1/documents?upload", data=data)
    assert missing.status_code == 400 and "file" in missing.json()["detail"]


async def test_send_from_non_draft_is_409_or_configured_400(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Sending a sent document is the spec's 409 by default, 400 request_error when set."""
    doc_id = await ready_doc(client, sim)
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    again = await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    assert again.status_code == 409 and again.json()["status"] == "document.sent"
    sim.configure(send_wrong_state_status=400)
    again = await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    assert again.status_code == 400 and again.json()["type"] == "request_error"


async def test_session_rules(client: httpx2.AsyncClient, sim: PandaDocSimulator) -> None:
    """Sessions need a sent document and a known recipient; otherwise 400."""
    doc_id = await ready_doc(client, sim)
    url = f"/public/v1/documents/{doc_id}/session"
    draft = await client.post(url, json={"recipient": "client@example.com"})
    assert draft.status_code == 400 and draft.json()["type"] == "request_error"
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    stranger = await client.post(url, json={"recipient": "nobody@example.com"})
    assert stranger.status_code == 400 and "recipient" in stranger.json()["detail"]
    missing = await client.post(url, json={})
    assert missing.status_code == 400 and "recipient" in missing.json()["detail"]
    ok = await client.post(url, json={"recipient": "CLIENT@example.com"})
    assert ok.status_code == 201
    assert [m["kind"] for m in sim.state.outbox] == ["document_sent", "document_sent"]


async def test_revert_to_draft_clears_signatures(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, receiver: Receiver
) -> None:
    """POST /draft returns a signed document to draft and emits document_updated."""
    doc_id = await ready_doc(client, sim)
    await subscribe(client, receiver)
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    await sim.sign(doc_id, "client@example.com")
    answer = await client.post(f"/public/v1/documents/{doc_id}/draft")
    assert answer.status_code == 200 and answer.json()["status"] == "document.draft"
    details = (await client.get(f"/public/v1/documents/{doc_id}/details")).json()
    assert not any(r["has_completed"] for r in details["recipients"])
    assert receiver.events()[-2:] == ["document_state_changed", "document_updated"]


async def test_simulated_people_refuse_wrong_states(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Signing a draft, signing twice, or an unknown signer is refused with 409."""
    doc_id = await ready_doc(client, sim)
    with pytest.raises(PandaDocError) as draft:
        await sim.sign(doc_id, "client@example.com")
    assert draft.value.status == 409
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    await sim.sign(doc_id, "client@example.com")
    for email in ("client@example.com", "stranger@example.com"):
        with pytest.raises(PandaDocError):
            await sim.sign(doc_id, email)
    with pytest.raises(PandaDocError) as missing:
        await sim.view("no-such-document")
    assert missing.value.status == 404


async def test_webhook_retries_keep_the_event_id(receiver: Receiver) -> None:
    """With a retry schedule a failed delivery is retried with the same event id header."""
    sim = create_simulator(webhook_retry_delays=(0.01, 0.01), processing_delay=0)
    sim.emitter.transport = httpx2.ASGITransport(app=receiver.app())
    receiver.statuses[:] = [500, 503]
    async with client_for(sim) as client:
        await subscribe(client, receiver, triggers=["document_state_changed"])
        doc = await create_doc(client)
        await client.get(f"/public/v1/documents/{doc['id']}")
        await sim.emitter.drain()
    assert len(receiver.calls) == 3
    assert len({c["event_id"] for c in receiver.calls}) == 1
    assert all(c["signature_ok"] for c in receiver.calls)


async def test_subscription_payload_selects_extra_data(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, receiver: Receiver
) -> None:
    """Only payload-selected parts (here metadata) are added to the event data."""
    await subscribe(client, receiver, payload=["metadata"], triggers=["document_state_changed"])
    await ready_doc(client, sim, metadata={"deal": "42"})
    data = receiver.calls[0]["body"][0]["data"]
    assert data["metadata"]["deal"] == "42"
    assert "fields" not in data and "tokens" not in data


async def test_create_options_shape_the_document(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Tokens, prefilled fields, pricing rows and phone recipients show up in the details."""
    rows = [{"data": {"price": 50, "qty": 3}}, {"data": {"price": "x"}}]
    doc_id = await ready_doc(
        client,
        sim,
        tokens=[{"name": "Deal.Amount", "value": "150"}],
        fields={"Client.Notes": {"value": 7}, "Client.Accepts": {"value": "yes"}},
        pricing_tables=[{"name": "P", "sections": [{"title": "S", "rows": rows}]}],
        recipients=[{"phone": "+15550001111", "role": "Client", "delivery_methods": {"sms": True}}],
    )
    details = (await client.get(f"/public/v1/documents/{doc_id}/details")).json()
    assert details["grand_total"] == {"amount": "150.00", "currency": "USD"}
    assert {"name": "Deal.Amount", "value": "150"} in details["tokens"]
    values = {f["name"]: f["value"] for f in details["fields"]}
    assert values["Client.Notes"] == "7" and values["Client.Accepts"] is True
    assert details["recipients"][0]["phone"] == "+15550001111"
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    assert [(m["channel"], m["to"]) for m in sim.state.outbox] == [("sms", "+15550001111")]
    by_url = {"name": "Form", "url": "https://x.example/f.pdf", "fields": {"Age": {"value": 3}}}
    created = (await client.post("/public/v1/documents", json=by_url)).json()
    await sim.advance(3)
    pdf_details = (await client.get(f"/public/v1/documents/{created['id']}/details")).json()
    assert pdf_details["template"] is None
    assert [(f["name"], f["value"]) for f in pdf_details["fields"]] == [("Age", "3")]


async def test_kit_webhook_target_receives_every_event(receiver: Receiver) -> None:
    """The kit's /_sim/webhook-target gets every event, signed with its own secret."""
    sim = create_simulator(processing_delay=0)
    sim.emitter.transport = httpx2.ASGITransport(app=receiver.app())
    receiver.keys["kit"] = "kit-secret"
    async with client_for(sim) as client:
        target = {"url": "https://receiver.test/kit", "secret": "kit-secret"}
        assert (await client.put("/_sim/webhook-target", json=target)).status_code == 200
        doc = await create_doc(client)
        await client.delete(f"/public/v1/documents/{doc['id']}")
    assert receiver.events("kit") == ["document_state_changed", "document_deleted"]
    assert all(call["signature_ok"] for call in receiver.calls)
