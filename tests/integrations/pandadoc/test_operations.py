"""PandaDoc operations against the simulator: documents, waiting, templates, subscriptions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from integrations.errors import BadRequestError, NotFoundError
from integrations.pandadoc import PandaDocIntegration
from integrations.pandadoc import operations as ops
from integrations.pandadoc.bodies import (
    CreateFromPdfUrl,
    DocumentFilter,
    FieldValue,
    Recipient,
    SendOptions,
    StatusChange,
    Token,
    UploadRequest,
)
from integrations.pandadoc.events import SubscriptionCreate, SubscriptionUpdate, Trigger
from integrations.pandadoc.exceptions import (
    DocumentProcessingError,
    DocumentStateError,
    DocumentWaitTimeoutError,
)
from integrations.pandadoc.models import DocumentStatus
from integrations.pandadoc.subscriptions import forget_subscription, remember_subscription
from integrations.services import Services
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.storage.tables_inbound import WebhookSubscriptionRow
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    LinkedClock,
    deal,
    make_client,
    new_document,
    template_id,
)

DOCS = "/public/v1/documents"


def _queries(sim: PandaDocSimulator, path: str = DOCS) -> list[dict[str, list[str]]]:
    return [parse_qs(r.query) for r in sim.journal.all(method="GET", path=path)]


async def test_create_from_template_then_wait_for_draft(
    client: PandaDocIntegration, sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """A create answers `document.uploaded`; waiting polls with backoff until draft
    (3 simulated seconds) on the client's clock."""
    body = deal(
        sim,
        tokens=[Token(name="Client.Company", value="Acme")],
        fields={"Client.Notes": FieldValue(value="rush"), "Client.Accepts": FieldValue(value=True)},
        metadata={"crm_id": "42"},
        tags=["q3"],
    )
    created = await ops.create_document_from_template(client, body)
    assert created.status == DocumentStatus.UPLOADED and created.links[0].rel == "status"
    ready = await ops.wait_for_document_status(client, created.id)
    assert ready.status == DocumentStatus.DRAFT and ready.known_status is DocumentStatus.DRAFT
    assert 3.0 <= clock.elapsed <= 4.0
    polls = sim.journal.all(method="GET", path=f"{DOCS}/{created.id}")
    assert len(polls) == 4  # at 0, 0.5, 1.5, 3.5 s
    details = await ops.get_document_details(client, created.id)
    assert details.metadata["crm_id"] == "42" and details.tags == ["q3"]
    assert {"name": "Client.Company", "value": "Acme"} in details.tokens
    assert [r.email for r in details.recipients] == [CLIENT_EMAIL, SENDER_EMAIL]
    assert details.template and details.template["id"] == template_id(sim)


async def test_send_immediately_after_create_waits_for_draft(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Send on a document still processing waits (409 → poll) and then sends from draft."""
    created = await new_document(client, sim)
    sent = await ops.send_document(client, created.id, SendOptions(subject="Sign", silent=True))
    assert sent.status == DocumentStatus.SENT
    assert all(r.shared_link for r in sent.recipients)
    sends = sim.journal.all(method="POST", path=f"{DOCS}/{created.id}/send")
    assert [r.status for r in sends] == [409, 200]
    assert sim.state.outbox == []  # silent


@pytest.mark.parametrize(
    ("wrong_state_status", "error"),
    [
        pytest.param(409, DocumentStateError, id="409-conflict"),
        pytest.param(400, BadRequestError, id="400-request-error"),
    ],
)
async def test_send_only_from_draft(
    client: PandaDocIntegration,
    sim: PandaDocSimulator,
    wrong_state_status: int,
    error: type[Exception],
) -> None:
    """Sending a document that is already sent is refused, whichever status PandaDoc uses
    (the brief leaves 409 vs 400 open), and is never retried."""
    sim.configure(send_wrong_state_status=wrong_state_status)
    created = await new_document(client, sim)
    await ops.send_document(client, created.id)
    with pytest.raises(error) as caught:
        await ops.send_document(client, created.id)
    assert "document.sent" in str(caught.value)
    if isinstance(caught.value, DocumentStateError):
        assert caught.value.document_status == "document.sent"
    assert len(sim.journal.all(method="POST", path=f"{DOCS}/{created.id}/send")) == 3


async def test_processing_failure_is_reported_not_waited_for(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """A PDF PandaDoc cannot process ends in `document.error`: send raises
    DocumentProcessingError instead of waiting out the timeout."""
    created = await ops.create_document_from_pdf_url(
        client, CreateFromPdfUrl(url="https://files.example.com/fail.pdf", name="Broken")
    )
    with pytest.raises(DocumentProcessingError) as caught:
        await ops.send_document(client, created.id)
    assert caught.value.document_id == created.id
    status = await ops.wait_for_document_status(client, created.id)
    assert status.status == DocumentStatus.ERROR and DocumentStatus.ERROR.terminal


async def test_wait_is_bounded_by_its_timeout(
    client: PandaDocIntegration, sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """A document slower than the timeout raises DocumentWaitTimeoutError after exactly
    the timeout on the client's clock; a send gives up the same way."""
    sim.configure(processing_delay=600)
    created = await new_document(client, sim)
    with pytest.raises(DocumentWaitTimeoutError) as caught:
        await ops.wait_for_document_status(client, created.id, max_wait=20)
    assert caught.value.last_status == "document.uploaded"
    assert caught.value.waited_seconds == pytest.approx(20.0)
    assert caught.value.to_dict()["document_id"] == created.id
    with pytest.raises(DocumentWaitTimeoutError):
        await ops.send_document(client, created.id, wait_timeout=5)
    assert clock.slept and max(clock.slept) <= 8.0


async def test_sandbox_polling_starts_slower(sim: PandaDocSimulator, clock: LinkedClock) -> None:
    """With a sandbox key (10 requests/min in all) status polls start 2 s apart, not 0.5 s."""
    client = make_client(sim, clock, sandbox=True)
    created = await new_document(client, sim)
    assert (await ops.wait_for_document_status(client, created.id)).status == "document.draft"
    assert clock.slept == [2.0, 4.0]
    await client.aclose()


async def test_waiting_for_a_later_status(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """`until` names other statuses; a terminal one also ends the wait."""
    created = await new_document(client, sim)
    await ops.send_document(client, created.id)
    await sim.sign(created.id, CLIENT_EMAIL)
    viewed = await ops.wait_for_document_status(client, created.id, until=["document.viewed"])
    assert viewed.status == DocumentStatus.VIEWED
    await sim.sign(created.id, SENDER_EMAIL)
    done = await ops.wait_for_document_status(client, created.id, until=[DocumentStatus.SENT])
    assert done.status == DocumentStatus.COMPLETED


async def test_create_from_pdf_url_and_upload(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """PDF URL and multipart upload both create `document.uploaded` documents that process."""
    by_url = await ops.create_document_from_pdf_url(
        client,
        CreateFromPdfUrl(
            url="https://files.example.com/contract.pdf", name="From URL", parse_form_fields=False
        ),
    )
    uploaded = await ops.upload_document(
        client, b"%PDF-1.4 test", UploadRequest(name="Uploaded", tags=["upload"]), filename="c.pdf"
    )
    assert by_url.status == uploaded.status == DocumentStatus.UPLOADED
    upload = sim.journal.all(method="POST", path=DOCS)[-1]
    assert upload.query == "upload" and b'"name":"Uploaded"' in upload.body
    for doc in (by_url, uploaded):
        assert (await ops.wait_for_document_status(client, doc.id)).status == DocumentStatus.DRAFT
    with pytest.raises(ValueError, match="HTTPS"):
        CreateFromPdfUrl(url="http://files.example.com/a.pdf", name="x")


async def test_list_documents_sends_every_filter(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Each filter reaches PandaDoc in the spec's form and narrows the result."""
    first = await new_document(client, sim, metadata={"crm": "1"}, tags=["a"])
    await new_document(client, sim, name="Other deal", metadata={"crm": "2"})
    await ops.wait_for_document_status(client, first.id)
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    filters = DocumentFilter(
        status=DocumentStatus.DRAFT,
        status_ne=DocumentStatus.SENT,
        q="deal",
        tag="a",
        template_id=template_id(sim),
        folder_uuid=None,
        order_by="date_created",
        descending=True,
        created_from=since,
        created_to=dt.datetime(2100, 1, 1),
        modified_from=since,
        deleted=False,
        metadata={"crm": "1"},
    )
    found = await ops.list_documents(client, filters, count=10)
    assert [d.id for d in found] == [first.id]
    query = _queries(sim)[-1]
    assert query["status"] == ["0"] and query["status__ne"] == ["1"]
    assert query["order_by"] == ["-date_created"] and query["metadata"] == ["metadata_crm=1"]
    assert query["created_from"] == ["2000-01-01T00:00:00.000000Z"]
    assert query["created_to"] == ["2100-01-01T00:00:00.000000Z"]  # naive means UTC
    assert query["deleted"] == ["false"] and query["count"] == ["10"]
    assert await ops.list_documents(client, DocumentFilter(id="nope")) == []
    with pytest.raises(ValueError, match="form_id"):
        DocumentFilter(template_id="t", form_id="f")
    empty = DocumentFilter(contact_id="c", membership_id="m", form_id="f", completed_to=since)
    assert set(empty.params()) == {"contact_id", "membership_id", "form_id", "completed_to"}


@pytest.mark.parametrize(
    ("documents", "count", "requests"),
    [
        pytest.param(0, 3, 1, id="empty"),
        pytest.param(5, 3, 2, id="short-last-page"),
        pytest.param(6, 3, 3, id="exact-multiple"),
        pytest.param(4, 500, 1, id="count-capped-at-100"),
    ],
)
async def test_iter_documents_stops_at_a_short_page(
    client: PandaDocIntegration, sim: PandaDocSimulator, documents: int, count: int, requests: int
) -> None:
    """Pages are read until one has fewer than `count` items; each document comes once."""
    made = {(await new_document(client, sim)).id for _ in range(documents)}
    sim.journal.clear()
    seen = [d.id async for d in ops.iter_documents(client, count=count)]
    assert sorted(seen) == sorted(made)
    queries = _queries(sim)
    assert len(queries) == requests
    assert [q["page"] for q in queries] == [[str(p)] for p in range(1, requests + 1)]
    assert queries[0]["count"] == [str(min(count, 100))]


async def test_templates_list_search_iterate_and_details(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Templates are searched by name and tag, iterated page by page, and their details
    give the roles a create must use."""
    names = [t.name for t in await ops.list_templates(client)]
    assert names == ["Sales Proposal", "Mutual NDA", "Service Agreement"]
    nda = await ops.list_templates(client, q="nda", tags=["legal", "x"], with_content_date=True)
    assert [t.name for t in nda] == ["Mutual NDA"] and nda[0].content_date_modified
    query = _queries(sim, "/public/v1/templates")[-1]
    assert query["tag"] == ["legal", "x"] and query["fields"] == ["content_date_modified"]
    assert [t.name async for t in ops.iter_templates(client, count=2)] == names
    assert await ops.list_templates(client, shared=False, deleted=True, template_id="x") == []
    details = await ops.get_template_details(client, template_id(sim))
    assert [r.name for r in details.roles] == ["Client", "Sender"]
    assert {t["name"] for t in details.tokens} == {"Client.Company", "Deal.Amount"}
    with pytest.raises(NotFoundError):
        await ops.get_template_details(client, "missing")


async def test_signing_link_needs_a_sent_document(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """A session of a sent document is an app link `/s/<session id>`; before sending it is
    PandaDoc's 400."""
    created = await new_document(client, sim)
    await ops.wait_for_document_status(client, created.id)
    with pytest.raises(BadRequestError) as caught:
        await ops.create_signing_link(client, created.id, CLIENT_EMAIL)
    assert "non_field_errors" in caught.value.field_errors
    await ops.send_document(client, created.id)
    link = await ops.create_signing_link(client, created.id, CLIENT_EMAIL, lifetime=900)
    assert link.url == f"https://app.pandadoc.com/s/{link.session_id}"
    assert link.expires_at is not None and link.recipient == CLIENT_EMAIL


async def test_download_waits_for_processing_and_the_pdf(
    client: PandaDocIntegration, sim: PandaDocSimulator, clock: LinkedClock
) -> None:
    """Right after create, download waits through 409 (processing) and 202 (rendering,
    honouring Retry-After) and returns the PDF; a watermark is passed on."""
    sim.configure(pdf_delay=5)
    created = await new_document(client, sim)
    pdf = await ops.download_document(client, created.id, watermark={"watermark_text": "COPY"})
    assert pdf.startswith(b"%PDF-") and b"COPY" in pdf
    statuses = [r.status for r in sim.journal.all(path=f"{DOCS}/{created.id}/download")]
    assert statuses[0] == 409 and 202 in statuses and statuses[-1] == 200
    assert 8.0 <= clock.elapsed <= 12.0


async def test_download_gives_up_after_its_timeout(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """A PDF that never renders in time raises DocumentWaitTimeoutError."""
    sim.configure(pdf_delay=3600, processing_delay=0)
    created = await new_document(client, sim)
    with pytest.raises(DocumentWaitTimeoutError, match="PDF"):
        await ops.download_document(client, created.id, max_wait=30)


async def test_protected_download_of_a_completed_document(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """The signed PDF downloads once everyone signed; before that it is a state error."""
    created = await new_document(client, sim)
    await ops.send_document(client, created.id)
    with pytest.raises(DocumentStateError):
        await ops.download_document(client, created.id, protected=True)
    for email in (CLIENT_EMAIL, SENDER_EMAIL):
        await sim.sign(created.id, email)
    signed = await ops.download_document(client, created.id, protected=True)
    assert signed.startswith(b"%PDF-") and b"document.completed" in signed


async def test_status_change_revert_and_delete(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Manual status follows the spec's table, revert returns to draft, delete is final."""
    created = await new_document(client, sim)
    await ops.change_document_status(client, created.id, StatusChange(status=12, note="lost"))
    declined = await ops.get_document_status(client, created.id)
    assert declined.status == DocumentStatus.DECLINED
    with pytest.raises(DocumentStateError):
        await ops.change_document_status(client, created.id, StatusChange(status=12))
    reverted = await ops.revert_document_to_draft(client, created.id)
    assert reverted.status == DocumentStatus.DRAFT
    assert await ops.delete_document(client, created.id) is True
    with pytest.raises(NotFoundError):
        await ops.get_document_status(client, created.id)
    assert await ops.delete_document(client, created.id, missing_ok=True) is False
    with pytest.raises(NotFoundError):
        await ops.delete_document(client, created.id)


async def test_webhook_subscription_lifecycle(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Create (with its shared key), list, get, update, regenerate the key, delete."""
    hook = await ops.create_webhook_subscription(
        client,
        SubscriptionCreate(
            name="ours",
            url="https://hooks.example.com/api/v1/webhooks/pandadoc",
            triggers=[Trigger.DOCUMENT_STATE_CHANGED, Trigger.RECIPIENT_COMPLETED],
            payload=["metadata"],
        ),
    )
    assert hook.shared_key and hook.active and hook.status == "ACTIVE"
    assert [h.uuid for h in await ops.list_webhook_subscriptions(client)] == [hook.uuid]
    assert (await ops.get_webhook_subscription(client, hook.uuid)).triggers == hook.triggers
    paused = await ops.update_webhook_subscription(
        client, hook.uuid, SubscriptionUpdate(active=False)
    )
    assert paused.active is False and paused.url == hook.url
    key = await ops.regenerate_webhook_shared_key(client, hook.uuid)
    assert key != hook.shared_key and sim.hub.subscriptions[hook.uuid].shared_key == key
    assert await ops.delete_webhook_subscription(client, hook.uuid) is True
    assert await ops.delete_webhook_subscription(client, hook.uuid, missing_ok=True) is False
    with pytest.raises(NotFoundError):
        await ops.get_webhook_subscription(client, hook.uuid)
    with pytest.raises(BadRequestError) as caught:
        await ops.create_webhook_subscription(
            client,
            SubscriptionCreate(
                name="x", url="http://plain.example/h", triggers=[Trigger.QUOTE_UPDATED]
            ),
        )
    assert "url" in caught.value.field_errors


async def test_subscriptions_are_remembered_encrypted_with_rotation_grace(
    client: PandaDocIntegration, services: Services
) -> None:
    """A stored subscription keeps its key encrypted; after a rotation the previous key
    stays valid for the grace period; forgetting removes the row."""
    hook = await ops.create_webhook_subscription(
        client,
        SubscriptionCreate(
            name="ours", url="https://hooks.example.com/h", triggers=[Trigger.DOCUMENT_UPDATED]
        ),
    )
    await remember_subscription(services, hook)
    new_key = await ops.regenerate_webhook_shared_key(client, hook.uuid)
    await remember_subscription(services, hook, shared_key=new_key)
    async with services.db.sessions() as session:
        row = await session.scalar(select(WebhookSubscriptionRow))
    assert row is not None and row.remote_id == hook.uuid and row.enabled
    assert hook.shared_key not in (row.secret or "") and new_key not in (row.secret or "")
    assert services.box.decrypt(row.secret or "") == new_key
    assert services.box.decrypt(row.previous_secret or "") == hook.shared_key
    assert row.previous_secret_expires_at is not None
    assert await forget_subscription(services, hook.uuid) is True
    assert await forget_subscription(services, hook.uuid) is False


def _payload(model: Any) -> dict[str, Any]:
    result: dict[str, Any] = model.payload()
    return result


def test_bodies_drop_nulls_and_unset_fields() -> None:
    """Bodies carry only what was set, never nulls; a recipient needs email or phone."""
    body = _payload(SendOptions(silent=True))
    assert body == {"silent": True}
    assert _payload(StatusChange(status=11)) == {"status": 11}
    with pytest.raises(ValueError, match="email or a phone"):
        Recipient(first_name="No contact")
