"""The API app over the test database, a client that calls it in-process (ASGI), and
databases that stall or cannot be used."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy.engine import make_url

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.services import Services
from integrations.webhooks.runtime import WebhookRuntime
from tests.helpers.stalls import SqliteWriteLock, Stall, stalling_proxy


@pytest.fixture(name="app")
def _app(settings: Settings, services: Services) -> Any:
    app = create_app(settings, services)
    app.state.services = services
    app.state.webhooks = WebhookRuntime.build(services)
    app.state.webhooks.worker._poll = 0.01
    return app


@pytest.fixture(name="client")
async def _client(app: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture(name="stall")
def _stall(database_url: str) -> Iterator[tuple[Stall, str]]:
    """Something that stalls the database, and the URL the app must use for it to apply:
    PostgreSQL behind a relay that stops forwarding (as SIGSTOP), SQLite's write lock held."""
    if database_url.startswith("sqlite"):
        lock = SqliteWriteLock(database_url)
        yield lock, database_url
        lock.thaw()
        return
    with stalling_proxy(database_url) as (proxy, url):
        yield proxy, url
        proxy.thaw()


@pytest.fixture(name="broken")
def _broken(database_url: str) -> Iterator[tuple[Stall | None, str]]:
    """A database URL nothing can use: PostgreSQL frozen behind the relay, or a SQLite file
    that cannot be opened (a locked SQLite still answers reads, so it is not broken)."""
    if database_url.startswith("sqlite"):
        folder = Path(str(make_url(database_url).database)).with_suffix(".d")
        (folder / "integrations.db").mkdir(parents=True)  # a directory where the file goes
        yield None, f"sqlite+aiosqlite:///{folder / 'integrations.db'}"
        return
    with stalling_proxy(database_url) as (proxy, url):
        proxy.freeze()
        yield proxy, url
        proxy.thaw()
