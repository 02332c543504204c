"""Streamable HTTP at `/mcp`: the admin bearer token is required, then the SDK client works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import mcp
import pytest
from fastapi import FastAPI
from mcp.client.streamable_http import streamable_http_client

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.services import Services
from integrations.storage.repositories.admin_tokens import AdminTokenRepository
from tests.integrations.mcp.support import ADMIN_TOKEN, MOCK_TOOLS, data_of

BASE = "http://testserver"


@pytest.fixture(name="app")
async def _app(settings: Settings, services: Services) -> AsyncIterator[FastAPI]:
    """The API with its lifespan running (the MCP session manager lives there)."""
    quiet = settings.model_copy(
        update={"webhooks": settings.webhooks.model_copy(update={"worker_enabled": False})}
    )
    app = create_app(quiet, services)
    async with app.router.lifespan_context(app):
        yield app


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong-token"),
        pytest.param({"Authorization": "Basic YWRtaW46YWRtaW4="}, id="basic-scheme"),
        pytest.param({"Authorization": "Bearer "}, id="empty-bearer"),
    ],
)
async def test_mcp_refuses_without_admin_token(
    app: FastAPI, path: str, headers: dict[str, str]
) -> None:
    """Without a valid admin token `/mcp` answers 401 `unauthorized` with a Bearer challenge."""
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url=BASE) as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        response = await client.post(path, json=body, headers=headers)

    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


async def _tools_over_http(app: FastAPI, token: str, mode: str) -> set[str]:
    transport = httpx2.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(transport=transport, headers=headers) as http:
        transport_cm = streamable_http_client(f"{BASE}/mcp", http_client=http)
        async with mcp.Client(transport_cm, mode=mode) as client:
            return {t.name for t in (await client.list_tools()).tools}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_mcp_lists_tools_with_admin_token(app: FastAPI, mode: str) -> None:
    """With the bootstrap admin token the SDK client lists the tools, in both protocol eras."""
    assert await _tools_over_http(app, ADMIN_TOKEN, mode) >= MOCK_TOOLS


async def test_mcp_accepts_stored_admin_token(app: FastAPI, services: Services) -> None:
    """A token made by `integrations admin create-token` opens `/mcp` too."""
    async with services.db.sessions.begin() as session:
        created = await AdminTokenRepository(session).create(name="agent")

    assert await _tools_over_http(app, created.token, "auto") >= MOCK_TOOLS


@pytest.mark.usefixtures("mock_enabled")
async def test_mcp_calls_a_tool_over_http(app: FastAPI) -> None:
    """A tool call over HTTP runs through the factory and returns structured data."""
    transport = httpx2.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    async with (
        httpx2.AsyncClient(transport=transport, headers=headers) as http,
        mcp.Client(streamable_http_client(f"{BASE}/mcp", http_client=http)) as client,
    ):
        result = await client.call_tool("mock_get_item", {"item_id": "via-http"})

    assert data_of(result)["id"] == "via-http"
