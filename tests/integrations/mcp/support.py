"""Helpers shared by the MCP tests."""

from __future__ import annotations

import json
from typing import Any

import mcp_types as types

from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services

# One attempt and a breaker that never opens: a simulated 500 comes straight back.
FAST: dict[str, Any] = {"retry": {"max_attempts": 1}, "circuit": {"failure_threshold": 1000}}
ADMIN_TOKEN = "test-admin-token-0123456789"
MOCK_TOOLS = {"mock_get_item", "mock_list_items", "mock_create_item"}


async def configure(services: Services, name: str = "mock", **fields: Any) -> None:
    """Apply a runtime configuration change to `name`, as an operator would."""
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config(name, update, changed_by="test")


def text_of(result: types.CallToolResult) -> str:
    """The text content of a tool result, joined."""
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


def error_of(result: types.CallToolResult) -> dict[str, Any]:
    """The structured error of a failed tool call (asserting that it failed)."""
    assert result.is_error, text_of(result)
    error: dict[str, Any] = result.structured_content["error"]
    assert text_of(result).startswith(f"{error['code']}: "), text_of(result)
    return error


def data_of(result: types.CallToolResult) -> dict[str, Any]:
    """The structured data of a successful tool call, checked against its JSON text."""
    assert not result.is_error, text_of(result)
    data: dict[str, Any] = result.structured_content
    text = json.loads(text_of(result))
    assert (text if isinstance(text, dict) else {"result": text}) == data
    return data
