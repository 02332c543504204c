"""MCP guardrails through the SDK client over stdio (`integrations mcp` in a subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integrations.mcp.support import data_of, error_of
from tests.integrations.mcp.test_stdio import _spawned

pytestmark = pytest.mark.integration

_ENABLE = "mock"


async def _enable_mock(tmp_path: Path) -> dict[str, str]:
    """Environment of a server whose database has the mock connector on, in mock mode."""
    from integrations.config import load_settings
    from integrations.runtime_config import IntegrationSettingsUpdate
    from integrations.services import Services
    from integrations.storage import migrate

    env = {
        "INTEGRATIONS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'mcp.db'}",
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
    }
    settings = load_settings(
        database_url=env["INTEGRATIONS_DATABASE_URL"], var_dir=tmp_path / "var"
    )
    await __import__("asyncio").to_thread(migrate.upgrade, settings.resolved_database_url)
    services = Services(settings)
    try:
        update = IntegrationSettingsUpdate.model_validate({"enabled": True, "mode": "mock"})
        await services.update_config(_ENABLE, update, changed_by="test")
    finally:
        await services.close()
    return env


async def test_write_not_allow_listed_is_refused_and_dry_run_shows_the_request(
    tmp_path: Path,
) -> None:
    """By default a write is refused naming the setting; dry_run answers the request unsent."""
    await _enable_mock(tmp_path)
    async with _spawned(tmp_path) as (client, stderr):
        refused = await client.call_tool("mock_create_item", {"name": "x"})
        dry = await client.call_tool("mock_create_item", {"name": "x", "dry_run": True})

    error = error_of(refused)
    assert error["code"] == "write_not_allowed"
    assert "INTEGRATIONS_MCP__ALLOW_WRITES" in error["message"]
    assert "'mock:create_item'" in error["message"]
    shown = data_of(dry)
    assert shown["dry_run"] is True and shown["sent"] is False
    assert shown["request"]["method"] == "POST"
    assert shown["request"]["json"] == {"name": "x"}
    assert "mcp.tool_called" in stderr.read_text() and "caller" in stderr.read_text()


async def test_allowed_write_runs_and_budget_is_enforced(tmp_path: Path) -> None:
    """An allow-listed write creates the item; over the per-client budget, a retry time."""
    await _enable_mock(tmp_path)
    env = {
        "INTEGRATIONS_MCP__ALLOW_WRITES": '["mock:*"]',
        "INTEGRATIONS_MCP__CALLS_PER_MINUTE": "2",
    }
    async with _spawned(tmp_path, **env) as (client, _):
        created = await client.call_tool("mock_create_item", {"name": "Invoice"})
        await client.call_tool("mock_get_item", {"item_id": "1"})
        over = await client.call_tool("mock_get_item", {"item_id": "2"})

    assert data_of(created)["name"] == "Invoice"
    error = error_of(over)
    assert error["code"] == "client_rate_limited"
    assert 0 < error["retry_after"] <= 61
    assert "retry in" in error["message"]
