"""The simulated recipients and respondents as declared operations, on the ASGI app with its
lifespan: one signer at a time, refusals in live mode on every surface, MCP's write gate,
and deliveries to a URL that is not ours still leaving over the network.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import mcp
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from integrations.api.app import create_app
from integrations.cli import call_cmd
from integrations.cli.main import app as cli
from integrations.config import Settings
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.server import build_server
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from tests.helpers.http_server import serve_scripted
from tests.integrations.mcp.support import data_of, error_of

pytestmark = pytest.mark.integration

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}
FORM = "Onb0Rd5x"


async def _configure(services: Services, name: str, **fields: Any) -> None:
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config(name, update, changed_by="test")


@pytest.fixture(name="app")
async def _app(settings: Settings, services: Services) -> AsyncIterator[FastAPI]:
    """The API on the test database, started (webhook worker running) and stopped."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


async def _act(app: FastAPI, name: str, action: str, arguments: dict[str, Any]) -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=ADMIN) as c:
        return await c.post(f"/api/v1/integrations/{name}/actions/{action}", json=arguments)


async def _sent_document(app: FastAPI) -> str:
    """A sent PandaDoc document with two signers in signing order, processing skipped."""
    app.state.factory.simulator("pandadoc").configure(processing_delay=0)
    listed = await _act(app, "pandadoc", "list_templates", {"query": "Mutual NDA"})
    template = listed.json()["templates"][0]["id"]
    recipients = [
        {"email": "first@example.com", "role": "Client", "signing_order": 1},
        {"email": "second@example.com", "role": "Sender", "signing_order": 2},
    ]
    body = {"template_id": template, "name": "Order", "recipients": recipients}
    created = await _act(app, "pandadoc", "create_document", body)
    assert created.status_code == 200, created.text
    document_id: str = created.json()["id"]
    sent = await _act(app, "pandadoc", "send_document", {"document_id": document_id})
    assert sent.status_code == 200, sent.text
    return document_id


async def test_signers_one_at_a_time_in_signing_order(app: FastAPI, services: Services) -> None:
    """A view, then each signer by email: out of order or twice is a 409 from the simulator;
    the last signature completes the document, every step delivered to our receiver."""
    await _configure(services, "pandadoc", enabled=True, mode="mock")
    document_id = await _sent_document(app)
    viewed = await _act(app, "pandadoc", "simulate_recipient_view", {"document_id": document_id})
    assert viewed.json()["status"] == "document.viewed"
    assert [w["event"] for w in viewed.json()["webhooks"]] == ["document_state_changed"]

    second = {"document_id": document_id, "recipient_email": "second@example.com"}
    early = await _act(app, "pandadoc", "simulate_recipient_sign", second)
    assert early.status_code == 409, early.text
    assert "earlier signers" in early.json()["error"]["message"]
    first = {"document_id": document_id, "recipient_email": "first@example.com"}
    signed = (await _act(app, "pandadoc", "simulate_recipient_sign", first)).json()
    assert signed["status"] == "document.viewed"
    assert [r["has_completed"] for r in signed["recipients"]] == [True, False]
    assert [(w["event"], w["status"]) for w in signed["webhooks"]] == [("recipient_completed", 200)]
    again = await _act(app, "pandadoc", "simulate_recipient_sign", first)
    assert again.status_code == 409 and "already signed" in again.json()["error"]["message"]
    done = (await _act(app, "pandadoc", "simulate_recipient_sign", second)).json()
    assert done["status"] == "document.completed" and done["date_completed"]
    assert all(w["delivered"] for w in done["webhooks"])
    nobody = await _act(app, "pandadoc", "simulate_recipient_sign", {"document_id": document_id})
    assert nobody.status_code == 409, nobody.text


async def test_live_mode_refuses_on_every_surface(
    app: FastAPI, services: Services, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In live mode REST answers 409 `mock_mode_only`, `integrations call` exits 1 saying
    so, and the MCP tool fails with that code, dry run included; nothing reaches Typeform."""
    await _configure(
        services, "typeform", enabled=True, mode="live", credentials={"token": "tfp_live_0123"}
    )
    refused = await _act(app, "typeform", "simulate_respondent_submit", {"form_id": FORM})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "mock_mode_only"
    assert "mock mode" in refused.json()["error"]["message"]

    monkeypatch.setattr(call_cmd, "load_cli_settings", lambda: settings)
    monkeypatch.setattr(call_cmd, "upgrade_database", lambda _: None)
    arguments = ["call", "typeform", "simulate_respondent_submit", f"form_id={FORM}"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, arguments)  # its own event loop
    assert result.exit_code == 1 and "runs only in mock mode" in result.output

    policy = ToolPolicy(("typeform:*",), calls_per_minute=0)
    async with mcp.Client(build_server(app.state.factory, policy=policy)) as client:
        tool = "typeform_simulate_respondent_submit"
        failed = await client.call_tool(tool, {"form_id": FORM})
        dry = await client.call_tool(tool, {"form_id": FORM, "dry_run": True})
    assert error_of(failed)["code"] == "mock_mode_only"
    assert error_of(dry)["code"] == "mock_mode_only"
    assert app.state.factory.simulators == {}  # no simulator was ever made


async def test_mcp_gates_the_simulated_writes(app: FastAPI, services: Services) -> None:
    """The simulated actions are write tools: refused until allow-listed, then they run."""
    await _configure(services, "typeform", enabled=True, mode="mock")
    tool = "typeform_simulate_respondent_submit"
    async with mcp.Client(build_server(app.state.factory, policy=ToolPolicy())) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        refused = await client.call_tool(tool, {"form_id": FORM})
    annotations = listed[tool].annotations
    assert annotations is not None and annotations.destructive_hint
    assert error_of(refused)["code"] == "write_not_allowed"
    allowed = ToolPolicy(("typeform:simulate_*",), calls_per_minute=0)
    async with mcp.Client(build_server(app.state.factory, policy=allowed)) as client:
        ran = data_of(await client.call_tool(tool, {"form_id": FORM}))
    assert ran["form_id"] == FORM and re.fullmatch(r"[0-9a-f]{32}", ran["token"])


async def test_a_webhook_url_that_is_not_ours_still_goes_over_the_network(
    app: FastAPI, services: Services
) -> None:
    """Only our own public URL is answered in-process: a form webhook pointed at another
    loopback server is posted to it over HTTP, and our receiver stores nothing."""
    await _configure(services, "typeform", enabled=True, mode="mock")
    with serve_scripted() as elsewhere:
        hook = {"form_id": FORM, "url": f"{elsewhere.url}/hooks/typeform"}
        assert (await _act(app, "typeform", "setup_webhook", hook)).status_code == 200
        answer = await _act(app, "typeform", "simulate_respondent_submit", {"form_id": FORM})
        assert [h.path for h in elsewhere.app.hits] == ["/hooks/typeform"]
    [outcome] = answer.json()["webhooks"]
    assert outcome == {
        "event": "form_response",
        "url": f"{elsewhere.url}/hooks/typeform",
        "status": 200,
        "delivered": True,
    }
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=ADMIN) as c:
        stored = (await c.get("/api/v1/webhook-events", params={"integration": "typeform"})).json()
    assert stored["total"] == 0, json.dumps(stored)
