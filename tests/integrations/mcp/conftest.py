"""Fixtures for the MCP tests: a factory on the test database, the mock connector enabled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from integrations.factory import IntegrationFactory
from integrations.services import Services
from tests.integrations.mcp.support import FAST, configure


@pytest.fixture(name="factory")
async def _factory(services: Services) -> AsyncIterator[IntegrationFactory]:
    factory = IntegrationFactory(services)
    yield factory
    await factory.close()


@pytest.fixture(name="mock_enabled")
async def _mock_enabled(services: Services) -> None:
    """The mock connector switched on, in mock mode, without retries."""
    await configure(services, enabled=True, mode="mock", **FAST)
