"""The address operations through REST and `integrations call`, in mock mode (the whole
pipeline over the in-process simulator): answers, bad keywords and the missing token."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from integrations.api.app import create_app
from integrations.cli import call_cmd
from integrations.cli.main import app as cli
from integrations.config import Settings
from integrations.factory import IntegrationFactory
from integrations.services import Services
from tests.integrations.mcp.support import ADMIN_TOKEN, FAST, configure

URL = "/api/v1/integrations/address/actions/search_address"


@pytest.fixture(name="surfaces")
async def _surfaces(
    settings: Settings, services: Services, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    """The API and the CLI on one factory, address enabled in mock mode."""
    await configure(services, "address", enabled=True, mode="mock", **FAST)
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
        yield app
    await factory.close()


async def _post(app: FastAPI, body: object, *, token: bool = True) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if token else {}
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        return await c.post(URL, json=body)


async def test_rest_search_address(surfaces: FastAPI) -> None:
    """The REST action answers a page of structured addresses for the keyword."""
    response = await _post(surfaces, {"keyword": "테헤란로", "per_page": 3})

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["provider"] == "juso" and page["total_count"] > 3
    assert len(page["results"]) == 3
    assert all("테헤란로" in a["road_address"] and len(a["zip_code"]) == 5 for a in page["results"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"keyword": "서울특별시"}, "keyword"),
        ({"keyword": "테헤란로", "per_page": 500}, "per_page"),
    ],
    ids=["juso-E0006", "per-page"],
)
async def test_rest_bad_input_names_the_field(surfaces: FastAPI, body: object, field: str) -> None:
    """A keyword juso refuses, or a page size over the limit, is a 4xx naming the field."""
    response = await _post(surfaces, body)
    assert 400 <= response.status_code < 500, response.text
    assert field in response.text


async def test_rest_without_token_is_401(surfaces: FastAPI) -> None:
    """No admin token: 401."""
    assert (await _post(surfaces, {"keyword": "테헤란로"}, token=False)).status_code == 401


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["call", "address", *args])
    return result.exit_code, result.output


async def test_cli_search_address(surfaces: FastAPI) -> None:
    """`integrations call address search_address keyword=...` prints the page as JSON."""
    code, output = await asyncio.to_thread(_cli, "search_address", "keyword=세종대로", "per_page=2")

    assert code == 0, output
    start = re.search(r"^\{", output, re.MULTILINE)
    assert start is not None, output
    page = json.loads(output[start.start() :])
    assert page["keyword"] == "세종대로" and len(page["results"]) == 2


async def test_cli_bad_keyword_exits_non_zero(surfaces: FastAPI) -> None:
    """A refused keyword prints the reason and exits non-zero, without a traceback."""
    code, output = await asyncio.to_thread(_cli, "search_address", "keyword=12345")

    assert code != 0
    assert "digits only" in output and "Traceback" not in output
