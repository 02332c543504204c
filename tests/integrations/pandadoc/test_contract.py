"""CONTRACT: every request the client builds validates against PandaDoc's OpenAPI spec.

A recording transport under the client keeps each request of a scenario that runs every
operation (plus the OAuth refresh request, built by its pure function); openapi-core then
validates path, query, headers (security) and body against
`shared/contracts/pandadoc-openapi.json`. The multipart upload is declared under the path
key `/public/v1/documents?upload`, which no path matcher resolves, so its parts are checked
against that operation's schema directly.
"""

from __future__ import annotations

import json
from email import policy
from email.parser import BytesParser
from typing import Any

import httpx2
import pytest

from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    SPEC_PATH,
    LinkedClock,
    deal,
    make_client,
    template_id,
)

if not SPEC_PATH.is_file():
    pytest.skip(
        f"{SPEC_PATH.parent} is absent: the PandaDoc contract tests need the shared contracts",
        allow_module_level=True,
    )

from openapi_core import OpenAPI
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from integrations.pandadoc import operations as ops
from integrations.pandadoc.auth import build_refresh_request
from integrations.pandadoc.bodies import (
    CreateFromPdfUrl,
    DeliveryMethods,
    DocumentFilter,
    FieldValue,
    Owner,
    PricingTable,
    Recipient,
    RecipientRedirect,
    SendOptions,
    StatusChange,
    Token,
    UploadRequest,
)
from integrations.pandadoc.events import SubscriptionCreate, SubscriptionUpdate, Trigger
from integrations.pandadoc.models import DocumentStatus
from integrations.simulators.pandadoc import PandaDocSimulator
from integrations.simulators.transport import SimulatorTransport
from tests.helpers.openapi import SpecRequest

UPLOAD_KEY = "/public/v1/documents?upload"


class Recorder(httpx2.AsyncBaseTransport):
    """Keeps every request that reaches the bottom of the client's pipeline."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx2.Request] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


async def scenario(client: Any, sim: PandaDocSimulator) -> None:
    """Every operation of the connector with its options set."""
    templates = await ops.list_templates(
        client, q="Sales", tags=["sales", "x"], shared=True, deleted=False, with_content_date=True
    )
    await ops.list_templates(client, folder_uuid="f", template_id=templates[0].id, page=2)
    await ops.get_template_details(client, template_id(sim))
    rich = deal(
        sim,
        recipients=[
            Recipient(
                email=CLIENT_EMAIL,
                first_name="Cy",
                last_name="Client",
                role="Client",
                signing_order=1,
                delivery_methods=DeliveryMethods(email=True, sms=False),
                redirect=RecipientRedirect(is_enabled=True, url="https://example.com/done"),
            ),
            Recipient(email=SENDER_EMAIL, role="Sender", signing_order=2),
            Recipient(phone="+15555550100", first_name="CC"),
        ],
        tokens=[Token(name="Client.Company", value="Acme")],
        fields={
            "Client.Notes": FieldValue(value="n", role="Client"),
            "Client.Accepts": FieldValue(value=True),
        },
        metadata={"crm_id": 7},
        tags=["q3"],
        owner=Owner(email="owner@example.com"),
        pricing_tables=[PricingTable(name="Pricing", sections=[{"title": "S", "rows": []}])],
        detect_title_variables=True,
    )
    doc = await ops.create_document_from_template(client, rich)
    await ops.send_document(
        client,
        doc.id,
        SendOptions(
            subject="Please sign", message="Hi", silent=True, sender=Owner(email="s@example.com")
        ),
    )
    await ops.create_signing_link(client, doc.id, CLIENT_EMAIL, lifetime=600)
    await ops.get_document_details(client, doc.id)
    for email in (CLIENT_EMAIL, SENDER_EMAIL):
        await sim.sign(doc.id, email)
    await ops.download_document(
        client, doc.id, watermark={"watermark_text": "COPY", "watermark_font_size": 12}
    )
    await ops.download_document(client, doc.id, protected=True)
    await ops.change_document_status(
        client, doc.id, StatusChange(status=12, note="n", notify_recipients=False)
    )
    await ops.revert_document_to_draft(client, doc.id)
    by_url = await ops.create_document_from_pdf_url(
        client,
        CreateFromPdfUrl(
            url="https://files.example.com/a.pdf",
            name="By URL",
            parse_form_fields=True,
            recipients=[Recipient(email=CLIENT_EMAIL)],
            folder_uuid="folder",
        ),
    )
    await ops.upload_document(client, b"%PDF-1.4", UploadRequest(name="Upload", tags=["t"]))
    await ops.wait_for_document_status(client, by_url.id)
    filters = DocumentFilter(
        status=DocumentStatus.DRAFT,
        status_ne=DocumentStatus.VOIDED,
        q="Deal",
        tag="q3",
        template_id=template_id(sim),
        folder_uuid="f",
        contact_id="c",
        membership_id="m",
        id=doc.id,
        order_by="date_modified",
        descending=True,
        created_from=doc.date_created,
        created_to=doc.date_created,
        modified_from=doc.date_created,
        modified_to=doc.date_created,
        completed_from=doc.date_created,
        completed_to=doc.date_created,
        deleted=False,
        metadata={"crm_id": "7", "other": "x"},
    )
    await ops.list_documents(client, filters, page=1, count=5)
    await ops.list_documents(client, DocumentFilter(form_id="form"))
    await ops.delete_document(client, by_url.id)
    hook = await ops.create_webhook_subscription(
        client,
        SubscriptionCreate(
            name="h",
            url="https://hooks.example.com/pd",
            triggers=[Trigger.DOCUMENT_STATE_CHANGED],
            payload=["metadata", "fields"],
        ),
    )
    await ops.list_webhook_subscriptions(client)
    await ops.get_webhook_subscription(client, hook.uuid)
    await ops.update_webhook_subscription(
        client, hook.uuid, SubscriptionUpdate(active=False, triggers=[Trigger.RECIPIENT_COMPLETED])
    )
    await ops.regenerate_webhook_shared_key(client, hook.uuid)
    await ops.delete_webhook_subscription(client, hook.uuid)
    await client.health_check()


@pytest.fixture(name="api", scope="module")
def _api() -> OpenAPI:
    return OpenAPI.from_file_path(str(SPEC_PATH))


def _registry(spec: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resource(  # type: ignore[no-any-return]
        "urn:pandadoc", Resource.from_contents(spec, default_specification=DRAFT4)
    )


def _upload_failures(request: httpx2.Request, spec: dict[str, Any]) -> list[str]:
    """The multipart upload checked against the `?upload` operation's schema."""
    schema = spec["paths"][UPLOAD_KEY]["post"]["requestBody"]["content"]["multipart/form-data"]
    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + request.content)
    parts: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload: Any = part.get_payload(decode=True)
        parts[str(name)] = json.loads(payload) if name == "data" else payload
    failures = [] if set(parts) <= set(schema["schema"]["properties"]) else [f"parts {set(parts)}"]
    data_schema = {"$ref": "urn:pandadoc#/components/schemas/DocumentCreateByPdfRequest"}
    validator = OAS30Validator(data_schema, registry=_registry(spec))
    failures += [f"upload data: {e.message}" for e in validator.iter_errors(parts.get("data"))]
    if not isinstance(parts.get("file"), bytes) or "upload" not in request.url.params:
        failures.append("upload: no file part or no ?upload")
    return failures


async def test_every_request_matches_the_official_spec(
    sim: PandaDocSimulator, clock: LinkedClock, api: OpenAPI
) -> None:
    """Path, query, headers and body of every request validate against the saved spec."""
    sim.configure(pdf_delay=1)
    recorder = Recorder(SimulatorTransport(sim))
    client = make_client(sim, clock, transport=recorder)
    await scenario(client, sim)
    await client.aclose()
    refresh = build_refresh_request(
        "https://api.pandadoc.com",
        client_id="c",
        client_secret="s",
        refresh_token="r",
        scope="read+write",
    )
    spec = json.loads(SPEC_PATH.read_text())
    failures: list[str] = []
    operations: set[tuple[str, str]] = set()
    for request in [*recorder.requests, refresh]:
        where = f"{request.method} {request.url.path}?{request.url.query.decode()}"
        if "multipart/form-data" in request.headers.get("content-type", ""):
            failures += _upload_failures(request, spec)
            operations.add(("POST", UPLOAD_KEY))
            continue
        try:
            result = api.unmarshal_request(SpecRequest(request))
        except Exception as exc:
            failures.append(f"{where}: {exc!r}"[:600])
            continue
        if result.errors:
            failures += [
                f"{where}: {e!r} {getattr(e, '__cause__', '')!r}"[:600] for e in result.errors
            ]
        operations.add((request.method, request.url.path))
    assert failures == [], "\n".join(failures)
    assert len(operations) >= 20
    # The spec's security requirement is met by every API request.
    assert all(r.headers["authorization"].startswith("API-Key ") for r in recorder.requests)


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        pytest.param("POST", "/public/v1/documents", {"json": {"name": "no template"}}, id="body"),
        pytest.param("GET", "/public/v1/documents", {"params": {"status": "17"}}, id="query-enum"),
        pytest.param("GET", "/public/v1/templates", {"params": {"count": "0"}}, id="query-min"),
        pytest.param(
            "PATCH", "/public/v1/documents/d/status", {"json": {"status": 1}}, id="status-enum"
        ),
        pytest.param(
            "POST", "/public/v1/documents/d/session", {"json": {"lifetime": 60}}, id="no-recipient"
        ),
    ],
)
def test_the_validator_refuses_bad_requests(
    api: OpenAPI, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    """A negative control: requests breaking the spec do fail validation."""
    request = httpx2.Request(
        method, f"https://api.pandadoc.com{path}", headers={"Authorization": "API-Key k"}, **kwargs
    )
    assert api.unmarshal_request(SpecRequest(request)).errors
