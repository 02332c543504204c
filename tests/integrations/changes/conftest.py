"""Changes fixtures: the admin app in this process, reached through an ASGI client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx2
import pytest

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.services import Services

ADMIN_TOKEN = "test-admin-token-0123456789"  # the `settings` fixture's bootstrap token


@pytest.fixture(name="anonymous")
async def _anonymous(settings: Settings, services: Services) -> AsyncIterator[httpx2.AsyncClient]:
    """The ASGI app with `services`, and a client sending no token (tests add their own)."""
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
