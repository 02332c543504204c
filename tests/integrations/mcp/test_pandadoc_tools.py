"""PandaDoc through MCP: an agent creates a document from a template in the simulator."""

from __future__ import annotations

import mcp

from integrations.factory import IntegrationFactory
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.server import build_server
from integrations.services import Services
from tests.integrations.mcp.support import configure, data_of, error_of


async def test_create_from_template_through_a_tool(services: Services) -> None:
    """Listing, template lookup and creation run through the SDK client into the simulator."""
    await configure(services, "pandadoc", enabled=True, mode="mock")
    factory = IntegrationFactory(services)
    try:
        async with mcp.Client(build_server(factory, policy=ToolPolicy(("pandadoc:*",)))) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert "pandadoc_create_document" in names
            found = data_of(await client.call_tool("pandadoc_list_templates", {}))
            template = found["templates"][0]
            details = data_of(
                await client.call_tool(
                    "pandadoc_get_template_details", {"template_id": template["id"]}
                )
            )
            recipients = [
                {"email": f"r{i}@example.com", "role": role["name"]}
                for i, role in enumerate(details["roles"])
            ]
            created = data_of(
                await client.call_tool(
                    "pandadoc_create_document",
                    {
                        "template_id": template["id"],
                        "name": "Via MCP",
                        "recipients": recipients,
                        "wait_for_draft": False,
                    },
                )
            )
            bad = await client.call_tool("pandadoc_create_document", {"name": "no template"})
        sim = factory.simulator("pandadoc")
        documents = sim.state.documents  # type: ignore[attr-defined]
        assert created["id"] in documents
        assert documents[created["id"]].name == "Via MCP"
        error = error_of(bad)
        assert "template_id" in str(error)
        assert len(documents) == 1  # the invalid call reached nothing
    finally:
        await factory.close()


async def test_dry_run_sends_nothing_and_shows_the_request(services: Services) -> None:
    """dry_run=true validates and answers the POST it would send; the simulator sees nothing."""
    await configure(
        services,
        "pandadoc",
        enabled=True,
        mode="mock",
        credentials={"api_key": "pd-secret-key-123"},
    )
    factory = IntegrationFactory(services)
    try:
        async with mcp.Client(build_server(factory)) as client:  # no write allowed
            template = next(iter(factory.simulator("pandadoc").state.templates))  # type: ignore[attr-defined]
            factory.simulator("pandadoc").journal.clear()
            shown = data_of(
                await client.call_tool(
                    "pandadoc_create_document",
                    {
                        "template_id": template,
                        "name": "Dry",
                        "recipients": [{"email": "a@example.com", "role": "Client"}],
                        "dry_run": True,
                    },
                )
            )
        assert factory.simulator("pandadoc").journal.all() == []
        assert factory.simulator("pandadoc").state.documents == {}  # type: ignore[attr-defined]
        request = shown["request"]
        assert request["method"] == "POST" and request["url"].endswith("/public/v1/documents")
        assert request["json"]["template_uuid"] == template and request["json"]["name"] == "Dry"
        assert "pd-secret-key-123" not in str(request["headers"])
    finally:
        await factory.close()
