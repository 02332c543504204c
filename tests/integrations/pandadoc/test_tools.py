"""The MCP tools: declared right, and a whole flow run through them against the simulator."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from integrations.actions.declaration import ActionContext
from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.mcp.adapter import ToolAdapter
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.tools import ToolSpec
from integrations.mock.client import MockIntegration
from integrations.pandadoc import PandaDocIntegration
from integrations.pandadoc.tools import TOOLS
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.pandadoc import PandaDocSimulator
from tests.integrations.pandadoc.conftest import (
    CLIENT_EMAIL,
    SENDER_EMAIL,
    LinkedClock,
    make_client,
)

BY_NAME = {t.name: t for t in TOOLS}


async def _run(client: Any, tool_name: str, /, **arguments: Any) -> Any:
    tool: ToolSpec = BY_NAME[f"pandadoc_{tool_name}"]
    value = await tool.run(ActionContext(client), tool.input_model.model_validate(arguments))
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def test_tools_are_declared_for_agents() -> None:
    """Every required tool exists once, named `pandadoc_*`, with a JSON schema; the ones
    that change something at PandaDoc are marked as writes."""
    assert len(BY_NAME) == len(TOOLS)
    writes = {t.name for t in TOOLS if t.writes}
    assert writes == {
        "pandadoc_create_document",
        "pandadoc_send_document",
        "pandadoc_create_signing_link",
        "pandadoc_simulate_recipient_view",
        "pandadoc_simulate_recipient_sign",
    }
    for tool in TOOLS:
        assert tool.integration == "pandadoc" and tool.description.endswith(".")
        assert tool.input_model.model_json_schema()["type"] == "object"
    assert {
        "pandadoc_list_templates",
        "pandadoc_get_template_details",
        "pandadoc_get_document_status",
        "pandadoc_get_download_link",
    } <= set(BY_NAME)


async def test_agent_flow_through_the_tools(
    client: PandaDocIntegration, sim: PandaDocSimulator
) -> None:
    """Search a template, read its roles, create, send, get a signing link, follow the
    status to completed and get the download link, all as an agent would."""
    found = await _run(client, "list_templates", query="proposal")
    [template] = found["templates"]
    assert found["last_page"] is True
    details = await _run(client, "get_template_details", template_id=template.id)
    roles = [r["name"] for r in details["roles"]]
    recipients = [
        {"email": email, "role": role}
        for email, role in zip((CLIENT_EMAIL, SENDER_EMAIL), roles, strict=True)
    ]
    draft = await _run(
        client,
        "create_document",
        template_id=template.id,
        name="Agent deal",
        recipients=recipients,
        tokens={"Client.Company": "Acme"},
        fields={"Client.Accepts": True},
        metadata={"source": "agent"},
        tags=["agent"],
    )
    assert draft["status"] == "document.draft"
    doc_id = draft["id"]
    queued = await _run(
        client, "create_document", template_id=template.id, name="Later",
        recipients=recipients, wait_for_draft=False,
    )  # fmt: skip
    assert queued["status"] == "document.uploaded"
    sent = await _run(client, "send_document", document_id=doc_id, subject="Sign", silent=True)
    assert sent["status"] == "document.sent"
    link = await _run(
        client, "create_signing_link", document_id=doc_id, recipient_email=CLIENT_EMAIL
    )
    assert link["url"].startswith("https://app.pandadoc.com/s/")
    listed = await _run(client, "list_documents", status="document.sent")
    assert [d.id for d in listed["documents"]] == [doc_id]
    for email in (CLIENT_EMAIL, SENDER_EMAIL):
        await sim.sign(doc_id, email)
    status = await _run(client, "get_document_status", document_id=doc_id)
    assert status["status"] == "document.completed"
    signed = await _run(client, "get_document_details", document_id=doc_id)
    assert all(r["has_completed"] for r in signed["recipients"])
    download = await _run(client, "get_download_link", document_id=doc_id)
    assert download["signed"] and download["ready"]
    assert download["api_url"].endswith(f"/documents/{doc_id}/download-protected")
    assert download["app_url"] == f"https://app.pandadoc.com/a/#/documents/{doc_id}"


async def test_download_link_of_a_sandbox_draft(sim: PandaDocSimulator, clock: LinkedClock) -> None:
    """A sandbox key has no protected download: the link is the plain download."""
    client = make_client(sim, clock, sandbox=True)
    template = (await _run(client, "list_templates"))["templates"][0]
    draft = await _run(
        client, "create_document", template_id=template.id, name="S",
        recipients=[{"email": CLIENT_EMAIL}],
    )  # fmt: skip
    link = await _run(client, "get_download_link", document_id=draft["id"])
    assert link["api_url"].endswith("/download") and not link["signed"]
    await client.aclose()


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        pytest.param(
            "create_document",
            {"template_id": "t", "name": "n", "recipients": []},
            id="no-recipients",
        ),
        pytest.param(
            "create_signing_link",
            {"document_id": "d", "recipient_email": "a@b.c", "lifetime_seconds": 5},
            id="short-lifetime",
        ),
        pytest.param("list_documents", {"status": "document.lost"}, id="unknown-status"),
        pytest.param("list_templates", {"count": 500}, id="count-too-big"),
        pytest.param(
            "get_document_status", {"document_id": "d", "extra": 1}, id="unknown-argument"
        ),
    ],
)
def test_bad_arguments_are_refused_before_any_call(name: str, arguments: dict[str, Any]) -> None:
    """Invalid tool input fails validation, so nothing reaches PandaDoc."""
    with pytest.raises(ValidationError):
        BY_NAME[f"pandadoc_{name}"].input_model.model_validate(arguments)


async def test_a_tool_given_another_client_fails_clearly() -> None:
    """Tools check that they run on the PandaDoc client."""
    other = MockIntegration()
    with pytest.raises(ConfigError, match="pandadoc"):
        await _run(other, "get_document_status", document_id="d")


async def test_tools_through_the_mcp_adapter_in_mock_mode(services: Services) -> None:
    """Through the MCP adapter and the factory (mock mode), a read tool returns structured
    templates and a vendor 404 comes back as a tool error with our code."""
    update = IntegrationSettingsUpdate.model_validate({"enabled": True, "mode": "mock"})
    await services.update_config("pandadoc", update, changed_by="test")
    factory = IntegrationFactory(services)
    try:
        listed = await ToolAdapter(BY_NAME["pandadoc_list_templates"], factory, ToolPolicy()).call(
            {"query": "nda"}
        )
        assert not listed.is_error
        assert [t["name"] for t in listed.structured_content["templates"]] == ["Mutual NDA"]
        missing = await ToolAdapter(
            BY_NAME["pandadoc_get_document_status"], factory, ToolPolicy()
        ).call({"document_id": "NoSuchDocument"})
        assert missing.is_error and missing.structured_content["error"]["code"] == "not_found"
    finally:
        await factory.close()
