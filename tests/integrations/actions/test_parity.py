"""Every declared operation gives the same answer through REST, `integrations call` and MCP.

Parametrised over `collect_actions()`, so a newly declared operation is covered without a
new test. Each surface starts from the same simulator state (reset, then the operation's
preparation, e.g. a document to read); answers are compared after masking timestamps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2
import mcp
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from typer.testing import CliRunner

from integrations.actions.catalog import collect_actions
from integrations.actions.declaration import OperationSpec
from integrations.actions.runner import run_action
from integrations.api.app import create_app
from integrations.cli import call_cmd
from integrations.cli.main import app as cli
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.server import build_server
from integrations.pandadoc import operations as pd
from integrations.pandadoc.bodies import CreateFromTemplate, Recipient, SendOptions
from integrations.registry import get_connector
from integrations.services import Services
from integrations.storage.tables_inbound import WebhookOperationRow, WebhookSubscriptionRow
from integrations.typeform.client import TypeformIntegration
from integrations.typeform.manager import WebhookManager
from tests.integrations.mcp.support import ADMIN_TOKEN, FAST, configure, data_of

# `trigger_sync` queues a job: each answer carries a new job id, and a second trigger while
# one is queued is a 409 by design (tests/integrations/practicepanther cover it).
SPECS = [s for s in collect_actions() if s.name != "practicepanther_trigger_sync"]
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Ids made per call (email and SMS message and batch ids, SNS MessageIds) differ by design.
_NEW_ID = re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$|^[0-9a-f]{32}$")
Prepare = Callable[[IntegrationFactory], Awaitable[dict[str, Any]]]
UNPACED = [{"limit": 1_000_000, "period_seconds": 1.0}]  # our limiter: no wait at this volume


async def _document(factory: IntegrationFactory, *, send: bool = False) -> dict[str, Any]:
    client = await factory.get("pandadoc")
    template = next(iter(factory.simulator("pandadoc").state.templates))  # type: ignore[attr-defined]
    body = CreateFromTemplate(
        template_uuid=template,
        name="Prepared",
        recipients=[Recipient(email="client@example.com", role="Client")],
    )
    created = await pd.create_document_from_template(client, body)  # type: ignore[arg-type]
    await pd.wait_for_document_status(client, created.id)  # type: ignore[arg-type]
    if send:
        await pd.send_document(client, created.id, SendOptions(silent=True))  # type: ignore[arg-type]
    return {"document_id": created.id}


async def _sent_document(factory: IntegrationFactory) -> dict[str, Any]:
    return await _document(factory, send=True)


async def _pp_record(factory: IntegrationFactory, kind: str) -> dict[str, Any]:
    client = await factory.get("practicepanther")
    first = await client.request("GET", f"/api/v2/{kind}", operation="t", params={"$top": 1})
    return {"id": first.json()[0]["id"]}


async def _webhook(factory: IntegrationFactory) -> dict[str, Any]:
    client = await factory.get("typeform")
    assert isinstance(client, TypeformIntegration)
    await WebhookManager(client, factory.services).setup_onboarding_form_webhook("Onb0Rd5x")
    return {}


async def _track_prepared(factory: IntegrationFactory, name: str) -> dict[str, Any]:
    """Send the connector's example message first, so its status can be read."""
    spec = next(s for s in SPECS if s.name == f"{name}_send_{name}")
    sent = await run_action(spec, factory, dict(spec.example))
    return {"message_id": sent["message_id"]}


PREPARE: dict[str, Prepare] = {
    "email_track_delivery_status": lambda f: _track_prepared(f, "email"),
    "sms_track_delivery_status": lambda f: _track_prepared(f, "sms"),
    "pandadoc_get_document_status": _document,
    "pandadoc_get_document_details": _document,
    "pandadoc_get_download_link": _document,
    "pandadoc_send_document": _document,
    "pandadoc_create_signing_link": _sent_document,
    "pandadoc_simulate_recipient_view": _sent_document,
    "pandadoc_simulate_recipient_sign": _sent_document,
    "typeform_update_webhook_url": _webhook,
    "typeform_enable_webhook": _webhook,
    "typeform_disable_webhook": _webhook,
    "typeform_delete_webhook": _webhook,
    "typeform_get_webhook_status": _webhook,
    "typeform_repair_webhook": _webhook,
    "practicepanther_get_contact": lambda f: _pp_record(f, "contacts"),
    "practicepanther_get_matter": lambda f: _pp_record(f, "matters"),
    "practicepanther_get_task": lambda f: _pp_record(f, "tasks"),
}


def _masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    if isinstance(value, str) and _TIME.match(value):
        return "<time>"
    if isinstance(value, str) and _NEW_ID.match(value):
        return "<id>"
    return value


async def _fresh(factory: IntegrationFactory, spec: OperationSpec) -> dict[str, Any]:
    """Reset the simulator and our webhook rows, then prepare what the operation needs."""
    if get_connector(spec.integration).simulator is not None:  # email/SMS: local peers
        sim = factory.simulator(spec.integration)
        sim.reset()
        # Answers, not pacing, are compared here: the vendors' per-second limits and
        # PandaDoc's seconds of processing would only make each surface wait in real time.
        sim.limiter.configure([])  # type: ignore[attr-defined]
        if spec.integration == "pandadoc":
            sim.configure(processing_delay=0)  # type: ignore[attr-defined]
    await factory.invalidate_cache(spec.integration)  # a cached answer says so (`source`)
    async with factory.services.db.sessions.begin() as session:
        await session.execute(delete(WebhookSubscriptionRow))
        await session.execute(delete(WebhookOperationRow))
    prepare = PREPARE.get(spec.name)
    return {**dict(spec.example), **(await prepare(factory) if prepare else {})}


@pytest.fixture(name="surfaces")
async def _surfaces(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FastAPI, IntegrationFactory]]:
    """The API (its factory replaced by ours) and the CLI, both on one factory in mock mode."""
    for name in (
        "mock",
        "pandadoc",
        "typeform",
        "address",
        "practicepanther",
        "email",
        "sms",
        "nicednb",
    ):
        await configure(services, name, enabled=True, mode="mock", rate_limits=UNPACED, **FAST)
    quiet = settings.model_copy(
        update={"webhooks": settings.webhooks.model_copy(update={"worker_enabled": False})}
    )
    app = create_app(quiet, services)
    factory = IntegrationFactory(services)

    @contextlib.asynccontextmanager
    async def shared(_: Settings) -> AsyncIterator[IntegrationFactory]:
        yield factory

    monkeypatch.setattr(call_cmd, "open_factory", shared)
    monkeypatch.setattr(call_cmd, "load_cli_settings", lambda: settings)
    monkeypatch.setattr(call_cmd, "upgrade_database", lambda _: None)
    async with app.router.lifespan_context(app):
        app.state.factory = factory
        yield app, factory
    await factory.close()


async def _rest(app: FastAPI, spec: OperationSpec, arguments: dict[str, Any]) -> Any:
    transport = httpx2.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        url = f"/api/v1/integrations/{spec.integration}/actions/{spec.action}"
        response = await c.post(url, json=arguments)
    assert response.status_code == 200, response.text
    return response.json()


def _cli(spec: OperationSpec, arguments: dict[str, Any]) -> Any:
    args = ["call", spec.integration, spec.action, "--json", json.dumps(arguments)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    start = re.search(r"^[\[{]", result.stdout, re.MULTILINE)  # log lines may come first
    assert start is not None, result.stdout
    return json.loads(result.stdout[start.start() :])


async def _mcp(factory: IntegrationFactory, spec: OperationSpec, arguments: dict[str, Any]) -> Any:
    server = build_server(factory, policy=ToolPolicy(("*",), calls_per_minute=0))
    async with mcp.Client(server) as client:
        data = data_of(await client.call_tool(spec.name, arguments))
    return data["result"] if set(data) == {"result"} else data


@pytest.mark.parametrize("spec", [pytest.param(s, id=s.name) for s in SPECS])
async def test_same_answer_through_rest_cli_and_mcp(
    surfaces: tuple[FastAPI, IntegrationFactory], spec: OperationSpec
) -> None:
    """The operation's example, run through each surface on the same state, answers alike."""
    app, factory = surfaces
    rest = _masked(await _rest(app, spec, await _fresh(factory, spec)))
    arguments = await _fresh(factory, spec)
    cli_answer = _masked(await asyncio.to_thread(_cli, spec, arguments))
    over_mcp = _masked(await _mcp(factory, spec, await _fresh(factory, spec)))
    assert rest == cli_answer == over_mcp


def test_every_operation_has_a_valid_example() -> None:
    """Each declaration's example validates against its own input model."""
    for spec in SPECS:
        spec.input_model.model_validate(dict(spec.example))
