"""End to end: the simulator delivers signed `form_response` events to our FastAPI receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest
from sqlalchemy import func, select

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.typeform import TypeformSimulator
from integrations.simulators.typeform_data import ONBOARDING_FORM_ID
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.storage.tables_vendor import FormResponseRow
from integrations.typeform import TypeformIntegration, WebhookManager
from integrations.typeform import operations as ops
from integrations.typeform.models import WebhookUpdate
from integrations.webhooks.runtime import WebhookRuntime
from tests.integrations.typeform.conftest import remote, subscriptions

RECEIVER = "http://test/api/v1/webhooks/typeform"
FORM = ONBOARDING_FORM_ID
ANSWERS = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.org",
    "service": "Consulting",
    "agree_terms": True,
    "start_date": "2026-09-01",
    "team_size": 12,
}


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@pytest.fixture(name="app")
def _app(settings: Settings, services: Services, sim: TypeformSimulator) -> Any:
    """Our API with its webhook runtime; the simulator delivers into it in-process."""
    app = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    sim.emitter.transport = httpx2.ASGITransport(app=app)
    return app


@pytest.fixture(name="api")
async def _api(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as api:
        yield api


@pytest.fixture(name="receiving")
def _receiving(client: TypeformIntegration, services: Services) -> WebhookManager:
    """A manager whose webhooks point at the in-process app (plain http: verify_ssl off)."""
    return WebhookManager(client, services, verify_ssl=False)


async def enable_typeform(services: Services, **credentials: str) -> None:
    body: dict[str, Any] = {"enabled": True}
    if credentials:
        body["credentials"] = credentials
    update = IntegrationSettingsUpdate.model_validate(body)
    await services.update_config("typeform", update, changed_by="t")


async def events(services: Services) -> list[WebhookEventRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(WebhookEventRow)))


async def responses(services: Services) -> list[FormResponseRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(FormResponseRow)))


async def test_submitted_response_is_verified_stored_and_processed(
    app: Any, sim: TypeformSimulator, services: Services, receiving: WebhookManager
) -> None:
    """A respondent's answers reach `form_responses` by field ref through a verified delivery."""
    await enable_typeform(services)
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    [row] = await subscriptions(services)
    assert row.secret and services.box.decrypt(row.secret) == (remote(sim, FORM) or {})["secret"]
    submission = await sim.submit(FORM, ANSWERS, {"utm_source": "partner"})
    [(tag, delivery)] = submission.deliveries
    assert tag == "integrations" and delivery.delivered
    assert delivery.attempts[-1]["status"] == 200
    assert delivery.headers["Typeform-Signature"].startswith("sha256=")
    payload = json.loads(delivery.body)
    [stored] = await events(services)
    assert (stored.integration, stored.event_id, stored.event_type) == (
        "typeform",
        payload["event_id"],
        "form_response",
    )
    assert stored.signature_valid and stored.status == "pending" and stored.body == delivery.body
    assert await app.state.webhooks.worker.run_once() == 1
    [response] = await responses(services)
    assert (response.integration, response.form_id, response.token) == (
        "typeform",
        FORM,
        submission.response["token"],
    )
    assert response.response_type == "completed" and response.event_id == payload["event_id"]
    assert response.answers["full_name"] == "Ada Lovelace"
    assert response.answers["email"] == "ada@example.org"
    assert response.answers["service"]["label"] == "Consulting"
    assert (response.answers["agree_terms"], response.answers["team_size"]) == (True, 12)
    assert response.answers["start_date"] == "2026-09-01"
    assert response.hidden["utm_source"] == "partner"
    assert response.submitted_at is not None and response.submitted_at.tzinfo is not None
    assert (await events(services))[0].status == "processed"


async def test_tampered_delivery_is_refused_and_not_stored(
    app: Any,
    api: httpx2.AsyncClient,
    sim: TypeformSimulator,
    services: Services,
    receiving: WebhookManager,
) -> None:
    """The simulator's delivery replayed with a changed body gets 401 and is not stored."""
    await enable_typeform(services)
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    [(_, delivery)] = (await sim.submit(FORM, ANSWERS)).deliveries
    assert delivery.delivered
    tampered = delivery.body.replace(b"Ada Lovelace", b"Eve Intruder")
    assert tampered != delivery.body
    answer = await api.post(
        "/api/v1/webhooks/typeform", content=tampered, headers=dict(delivery.headers)
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_signature"
    [stored] = await events(services)
    assert stored.body == delivery.body
    assert app.state.webhooks.receiver.rejected["typeform"] == 1
    assert await app.state.webhooks.worker.run_once() == 1
    [response] = await responses(services)
    assert response.answers["full_name"] == "Ada Lovelace"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("integration-disabled", id="integration-disabled"),
        pytest.param("webhook-disabled", id="webhook-disabled"),
    ],
)
async def test_deliveries_for_switched_off_receivers_are_refused(
    app: Any,
    api: httpx2.AsyncClient,
    sim: TypeformSimulator,
    services: Services,
    receiving: WebhookManager,
    case: str,
) -> None:
    """With the integration disabled a signed delivery gets 409 `integration_disabled` (the
    vendor retries it; nothing is stored); with the form's subscription disabled, 401."""
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    secret = (remote(sim, FORM) or {})["secret"]
    if case == "integration-disabled":
        [(_, delivery)] = (await sim.submit(FORM, ANSWERS)).deliveries
        assert not delivery.delivered and delivery.attempts[-1]["status"] == 409
    else:
        await enable_typeform(services)
        await receiving.disable_webhook(FORM)
        assert (await sim.submit(FORM, ANSWERS)).deliveries == []  # Typeform sends nothing
        body = json.dumps({"event_id": "ev_1", "event_type": "form_response"}).encode()
        answer = await api.post(
            "/api/v1/webhooks/typeform",
            content=body,
            headers={"Typeform-Signature": sign(secret, body)},
        )
        assert answer.status_code == 401
    assert await events(services) == []
    assert app.state.webhooks.receiver.rejected["typeform"] == 1
    assert await responses(services) == []


async def test_previous_secret_verifies_during_rotation(
    api: httpx2.AsyncClient, sim: TypeformSimulator, services: Services, receiving: WebhookManager
) -> None:
    """After setup again, a delivery signed with the old secret is still accepted (grace)."""
    await enable_typeform(services)
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    old = (remote(sim, FORM) or {})["secret"]
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    new = (remote(sim, FORM) or {})["secret"]
    for index, secret in enumerate((old, new)):
        body = json.dumps({"event_id": f"ev_{index}", "event_type": "ping"}).encode()
        answer = await api.post(
            "/api/v1/webhooks/typeform",
            content=body,
            headers={"Typeform-Signature": sign(secret, body)},
        )
        assert answer.status_code == 200, secret
    assert len(await events(services)) == 2


async def test_runtime_credential_secret_verifies(
    app: Any, sim: TypeformSimulator, services: Services, client: TypeformIntegration
) -> None:
    """A webhook made outside the manager verifies with the `webhook_secret` credential."""
    await enable_typeform(services, webhook_secret="shared-secret-0123456789")
    update = WebhookUpdate(url=RECEIVER, enabled=True, secret="shared-secret-0123456789")
    await ops.put_webhook(client, FORM, "manual", update.model_copy(update={"verify_ssl": False}))
    [(_, delivery)] = (await sim.submit(FORM, ANSWERS)).deliveries
    assert delivery.delivered and len(await events(services)) == 1
    assert await app.state.webhooks.worker.run_once() == 1
    assert len(await responses(services)) == 1


async def test_late_partial_never_downgrades_a_completed_response(
    app: Any,
    api: httpx2.AsyncClient,
    sim: TypeformSimulator,
    services: Services,
    receiving: WebhookManager,
) -> None:
    """A `form_response_partial` arriving after the completed one leaves the row completed."""
    await enable_typeform(services)
    await receiving.setup_onboarding_form_webhook(FORM, url=RECEIVER)
    secret = (remote(sim, FORM) or {})["secret"]
    [(_, delivery)] = (await sim.submit(FORM, ANSWERS)).deliveries
    partial = json.loads(delivery.body)
    partial["event_id"] = "late-partial"
    partial["event_type"] = "form_response_partial"
    partial["form_response"]["answers"] = partial["form_response"]["answers"][:1]
    body = json.dumps(partial).encode()
    answer = await api.post(
        "/api/v1/webhooks/typeform",
        content=body,
        headers={"Typeform-Signature": sign(secret, body)},
    )
    assert answer.status_code == 200
    assert await app.state.webhooks.worker.run_once() == 2
    [row] = await responses(services)
    assert row.response_type == "completed" and row.answers["team_size"] == 12
    async with services.db.sessions() as session:
        processed = await session.scalar(
            select(func.count())
            .select_from(WebhookEventRow)
            .where(WebhookEventRow.status == "processed")
        )
    assert processed == 2
