"""The `syncdemo` connector over a tiny vendor served on 127.0.0.1, and its factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from integrations import registry
from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.sync import catalog
from tests.helpers.http_server import serve_app
from tests.integrations.sync import demo_sync
from tests.integrations.sync.tiny_vendor import TinyVendor


@pytest.fixture(name="vendor")
def _vendor() -> TinyVendor:
    vendor = TinyVendor()
    vendor.seed(people=12, projects=8, todos=15)
    return vendor


@pytest.fixture(name="vendor_url")
def _vendor_url(vendor: TinyVendor) -> Iterator[str]:
    with serve_app(vendor.app) as url:
        yield url


@pytest.fixture(name="installed")
def _installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.CONNECTORS, demo_sync.NAME, demo_sync.connector_info())
    monkeypatch.setitem(catalog._REGISTERED, demo_sync.NAME, demo_sync.definition())


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return VirtualClock(start=1_800_000_000.0)


@pytest.fixture(name="factory")
async def _factory(
    services: Services, installed: None, vendor_url: str, clock: VirtualClock
) -> AsyncIterator[IntegrationFactory]:
    """A factory whose `syncdemo` client calls the tiny vendor over HTTP (retry waits on
    the virtual clock)."""
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "mode": "live", "base_url": vendor_url}
    )
    await services.update_config(demo_sync.NAME, update, changed_by="test")
    factory = IntegrationFactory(services, clock=clock)
    yield factory
    await factory.close()
