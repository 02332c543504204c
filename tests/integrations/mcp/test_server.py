"""The MCP server in process: listing, calls through the factory, and every kind of tool error."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import mcp
import pytest
from pydantic import BaseModel
from structlog.testing import capture_logs

from integrations import registry
from integrations.actions.declaration import ActionContext
from integrations.config import load_settings
from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.mcp.guard import ToolPolicy
from integrations.mcp.server import build_server, collect_tools
from integrations.mcp.tools import ToolSpec
from integrations.mock import MockIntegration
from integrations.mock.tools import CreateItemInput, GetItemInput
from integrations.services import Services
from integrations.simulators.faults import FaultPlan
from tests.integrations.mcp.support import (
    FAST,
    MOCK_TOOLS,
    configure,
    data_of,
    error_of,
    text_of,
)

SECRET = "sk-live-SECRET-0f1e2d3c4b5a"


async def test_lists_mock_tools_with_schemas(factory: IntegrationFactory) -> None:
    """The in-process client lists the mock tools with their one-line descriptions and schemas."""
    async with mcp.Client(build_server(factory)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}

    assert set(tools) >= MOCK_TOOLS
    assert tools["mock_get_item"].input_schema == GetItemInput.model_json_schema()
    create = CreateItemInput.model_json_schema()
    assert tools["mock_create_item"].input_schema["properties"] == {
        **create["properties"],
        "dry_run": {
            "type": "boolean",
            "default": False,
            "description": "validate and return the request that would be sent, sending nothing",
        },
    }
    assert all(t.description and "\n" not in t.description for t in tools.values())


async def test_write_tools_are_marked_destructive(factory: IntegrationFactory) -> None:
    """Read tools carry readOnlyHint; write tools are not read-only and are destructive."""
    async with mcp.Client(build_server(factory)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}

    for name in ("mock_get_item", "mock_list_items"):
        hints = tools[name].annotations
        assert hints is not None
        assert hints.read_only_hint is True
        assert hints.destructive_hint is False
    create = tools["mock_create_item"].annotations
    assert create is not None
    assert create.read_only_hint is False
    assert create.destructive_hint is True


@pytest.mark.usefixtures("mock_enabled")
async def test_read_tool_returns_structured_data(factory: IntegrationFactory) -> None:
    """A read tool answers with the vendor's data as structured content echoing the input."""
    async with mcp.Client(build_server(factory)) as client:
        item = data_of(await client.call_tool("mock_get_item", {"item_id": "itm-42"}))
        page = data_of(await client.call_tool("mock_list_items", {"count": 3, "prefix": "p"}))

    assert item["id"] == "itm-42"
    assert set(item) >= {"id", "name", "created_at", "size"}
    assert page["count"] == 3
    assert [i["id"] for i in page["items"]] == ["p-0", "p-1", "p-2"]


@pytest.mark.usefixtures("mock_enabled")
async def test_create_tool_creates_at_the_vendor(factory: IntegrationFactory) -> None:
    """A write tool's call reaches the mock vendor and answers with the created item."""
    async with mcp.Client(build_server(factory, policy=ToolPolicy(("mock:*",)))) as client:
        created = data_of(
            await client.call_tool("mock_create_item", {"name": "Invoice", "size": 7})
        )

    posts = factory.simulator("mock").journal.all(method="POST", path="/items")
    assert len(posts) == 1
    assert json.loads(posts[0].body) == {"name": "Invoice", "size": 7}
    assert posts[0].status == 201
    assert created["name"] == "Invoice"
    assert created["size"] == 7
    assert created["id"].startswith("itm_")


@pytest.mark.usefixtures("mock_enabled")
async def test_invalid_input_names_the_fields(factory: IntegrationFactory) -> None:
    """Invalid arguments come back as a tool error naming each field, and nothing is called."""
    async with mcp.Client(build_server(factory)) as client:
        result = await client.call_tool("mock_list_items", {"count": -1, "colour": "red"})
        missing = await client.call_tool("mock_get_item", {})

    error = error_of(result)
    assert error["code"] == "validation_error"
    assert "count" in error["message"]
    assert "colour" in error["message"]
    assert {e["field"] for e in error["errors"]} == {"count", "colour"}
    assert error_of(missing)["errors"][0] == {
        "field": "item_id",
        "reason": "Field required",
        "type": "missing",
    }
    assert factory.simulator("mock").journal.all() == []


async def test_disabled_integration_is_a_clear_tool_error(factory: IntegrationFactory) -> None:
    """A tool of a disabled integration answers `integration_disabled`, saying how to enable it."""
    async with mcp.Client(build_server(factory)) as client:
        result = await client.call_tool("mock_get_item", {"item_id": "1"})

    error = error_of(result)
    assert error["code"] == "integration_disabled"
    assert error["integration"] == "mock"
    assert "PATCH /api/v1/integrations/mock" in error["message"]


@pytest.mark.usefixtures("mock_enabled")
async def test_write_guard_refuses_write_tools(factory: IntegrationFactory) -> None:
    """With allow_writes=False a write tool is refused before any call; reads still work."""
    async with mcp.Client(build_server(factory, policy=ToolPolicy())) as client:
        listed = {t.name for t in (await client.list_tools()).tools}
        refused = await client.call_tool("mock_create_item", {"name": "x"})
        read = await client.call_tool("mock_get_item", {"item_id": "1"})

    assert "mock_create_item" in listed
    error = error_of(refused)
    assert error["code"] == "write_not_allowed"
    assert "INTEGRATIONS_MCP__ALLOW_WRITES" in error["message"]
    assert data_of(read)["id"] == "1"
    assert factory.simulator("mock").journal.all(method="POST") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(None, [], id="default-read-only"),
        pytest.param(
            '["pandadoc:create_document","mock:*"]',
            ["pandadoc:create_document", "mock:*"],
            id="json",
        ),
        pytest.param(
            "mock:*, typeform:setup_webhook", ["mock:*", "typeform:setup_webhook"], id="comma"
        ),
        pytest.param("true", ["*"], id="compat-true"),
        pytest.param("false", [], id="compat-false"),
    ],
)
def test_allow_writes_setting_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: list[str]
) -> None:
    """INTEGRATIONS_MCP__ALLOW_WRITES is a list of patterns (JSON or commas); empty by default."""
    if value is not None:
        monkeypatch.setenv("INTEGRATIONS_MCP__ALLOW_WRITES", value)
    assert load_settings().mcp.allow_writes == expected


def test_allow_writes_setting_refuses_a_bad_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern that is not integration:action fails the start, naming the variable."""
    monkeypatch.setenv("INTEGRATIONS_MCP__ALLOW_WRITES", "create everything")
    with pytest.raises(ConfigError, match="INTEGRATIONS_MCP__ALLOW_WRITES"):
        load_settings()


async def test_vendor_error_reaches_the_agent_without_secrets(
    factory: IntegrationFactory, services: Services
) -> None:
    """A vendor 500 is a tool error with our code and status, no traceback and no credential."""
    await configure(services, enabled=True, mode="mock", credentials={"api_key": SECRET}, **FAST)
    client = await factory.get("mock")
    assert isinstance(client, MockIntegration)
    client.enable_error_simulation(1.0, statuses=[500])

    async with mcp.Client(build_server(factory)) as agent:
        result = await agent.call_tool("mock_get_item", {"item_id": "1"})

    error = error_of(result)
    assert error["code"] == "provider_server_error"
    assert error["status"] == 500
    assert error["integration"] == "mock"
    wire = text_of(result) + json.dumps(result.structured_content)
    assert SECRET not in wire
    assert "Traceback" not in wire
    sent = factory.simulator("mock").journal.all()
    assert sent
    assert sent[0].headers["authorization"] == f"Bearer {SECRET}"  # it was really used


async def test_an_unreadable_vendor_answer_is_a_tool_error_naming_it(
    factory: IntegrationFactory, services: Services
) -> None:
    """A 200 with malformed JSON reaches the agent as `invalid_response`, not internal_error."""
    await configure(services, enabled=True, mode="mock", credentials={"api_key": SECRET}, **FAST)
    factory.simulator("mock").faults.set("*", FaultPlan(script=["malformed"]))

    async with mcp.Client(build_server(factory)) as agent:
        result = await agent.call_tool("mock_get_item", {"item_id": "1"})

    error = error_of(result)
    assert error["code"] == "invalid_response" and error["integration"] == "mock"
    assert "malformed JSON" in error["message"]
    assert "Traceback" not in text_of(result)


class _Empty(BaseModel):
    pass


async def _crash(context: ActionContext, arguments: _Empty) -> None:
    raise RuntimeError(f"driver exploded with password={SECRET}")


@pytest.mark.usefixtures("mock_enabled")
async def test_unexpected_exception_is_masked(factory: IntegrationFactory) -> None:
    """A crash in a tool reaches the agent as `internal_error` with a trace id, not its text."""
    spec = ToolSpec("mock", "crash", "Crash.", _Empty, None, False, _crash)
    with capture_logs() as logs:
        async with mcp.Client(build_server(factory, tools=[spec])) as client:
            result = await client.call_tool("mock_crash", {})

    error = error_of(result)
    assert error["code"] == "internal_error"
    assert error["trace_id"] in error["message"]
    assert SECRET not in text_of(result) + json.dumps(result.structured_content)
    assert any(e["event"] == "mcp.tool_crashed" for e in logs)


async def test_unknown_tool_is_a_tool_error(factory: IntegrationFactory) -> None:
    """Calling a tool that does not exist says so."""
    async with mcp.Client(build_server(factory)) as client:
        result = await client.call_tool("mock_delete_everything", {})

    assert error_of(result)["code"] == "unknown_tool"


def test_connector_without_tools_module_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry entry naming a tools module that does not import is skipped and logged."""
    broken = dataclasses.replace(
        registry.CONNECTORS["mock"], name="unfinished", tools="integrations.unfinished.tools"
    )
    monkeypatch.setitem(registry.CONNECTORS, "unfinished", broken)

    with capture_logs() as logs:
        names = {t.name for t in collect_tools()}

    assert names >= MOCK_TOOLS
    skipped = [e for e in logs if e["event"] == "actions.module_skipped"]
    assert any(e["integration"] == "unfinished" for e in skipped)


def test_broken_tools_module_is_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A tools module that fails while importing is logged as broken; the other tools stay."""
    (tmp_path / "broken_mcp_tools.py").write_text("raise RuntimeError('half written')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = dataclasses.replace(
        registry.CONNECTORS["mock"], name="broken", tools="broken_mcp_tools"
    )
    monkeypatch.setitem(registry.CONNECTORS, "broken", broken)

    with capture_logs() as logs:
        names = {t.name for t in collect_tools()}

    assert names >= MOCK_TOOLS
    assert any(e["event"] == "actions.module_broken" and e["integration"] == "broken" for e in logs)
