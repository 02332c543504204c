"""Mock mode and MockIntegration: properties 43-46 of the seed."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from integrations import registry
from integrations.errors import ConfigError, IntegrationDisabledError, ProviderError
from integrations.factory import IntegrationFactory
from integrations.mock import Item, MockIntegration
from integrations.mock.operations import create_item, get_item, list_items
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators import create
from integrations.telemetry.recorder import MemoryCallRecorder
from tests.helpers.http_server import serve_app

FAST = {"retry": {"max_attempts": 1}, "circuit": {"failure_threshold": 1000}}


@pytest.fixture(name="demo_connector")
def _demo_connector(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A registry entry that can run live (a real HTTP mock vendor) or in mock mode."""
    info = dataclasses.replace(
        registry.CONNECTORS["mock"],
        name="demo",
        client="tests.helpers.pipeline:LiveDemoIntegration",
    )
    monkeypatch.setitem(registry.CONNECTORS, "demo", info)
    with serve_app(create("mock", seed=1).asgi) as url:
        yield url


async def _update(services: Services, name: str, **fields: object) -> None:
    update = IntegrationSettingsUpdate.model_validate(fields)
    await services.update_config(name, update, changed_by="test")


async def test_property_43_mode_follows_configuration(
    services: Services, demo_connector: str
) -> None:
    """Start live, switch to mock at runtime, back to live: each next call follows."""
    factory = IntegrationFactory(services, recorder=MemoryCallRecorder())
    with pytest.raises(IntegrationDisabledError):
        await factory.get("demo")
    await _update(services, "demo", enabled=True, mode="live", base_url=demo_connector)
    live = await factory.get("demo")
    assert not live.is_mock
    assert (await live.request("GET", "/items/7", operation="get_item")).json()["id"] == "7"
    await _update(services, "demo", mode="mock")
    with capture_logs() as logs:
        mocked = await factory.get("demo")
    assert mocked is not live and mocked.is_mock
    await mocked.request("GET", "/items/8", operation="get_item")
    assert [r.path for r in factory.simulator("demo").journal.all()] == ["/items/8"]
    assert any(e["event"] == "integration.mock_mode" and e["log_level"] == "warning" for e in logs)
    assert await factory.get("demo") is mocked  # unchanged configuration: same client
    await _update(services, "demo", mode="live")
    assert not (await factory.get("demo")).is_mock
    await factory.close()


async def test_factory_refuses_unknown_and_clientless(services: Services) -> None:
    """Connectors without a client (generic only receives webhooks), or unknown names, are
    refused clearly."""
    factory = IntegrationFactory(services)
    await _update(services, "generic", enabled=True)
    with pytest.raises(ConfigError, match="no client"):
        await factory.get("generic")
    with pytest.raises(ConfigError, match="unknown connector"):
        await factory.get("nope")
    with pytest.raises(ConfigError, match="no simulator"):
        factory.simulator("generic")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    item_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=30),
    count=st.integers(0, 200),
    name=st.text(min_size=1, max_size=50).filter(lambda s: s.strip() == s and s),
)
async def test_property_44_responses_reflect_request(item_id: str, count: int, name: str) -> None:
    """Answers echo the request's id, size and fields, and validate against the models."""
    client = MockIntegration()
    item = await get_item(client, item_id)
    assert isinstance(item, Item) and item.id == item_id
    page = await list_items(client, count)
    assert page.count == count and len(page.items) == count
    created = await create_item(client, name, colour="blue")
    assert created.name == name and created.model_extra == {"colour": "blue"}
    assert created.id.startswith("itm_")


async def test_canned_responses_and_delay() -> None:
    """A canned answer replaces the generated one; a delay slows every call."""
    client = MockIntegration()
    canned = Item(id="fixed", name="Canned", created_at="2026-01-01T00:00:00Z", size=1)
    client.set_mock_response("get_item", canned)
    assert (await get_item(client, "anything")).id == "fixed"
    client.clear_mock_responses()
    assert (await get_item(client, "anything")).id == "anything"
    client.set_delay(0.05)
    record_before = len(client.recorder.records)  # type: ignore[attr-defined]
    await get_item(client, "slow")
    slow = client.recorder.records[record_before]  # type: ignore[attr-defined]
    assert slow.duration_ms >= 45
    assert (await client.health_check()).healthy


@pytest.mark.parametrize(
    ("rate", "statuses"),
    [
        pytest.param(0.2, (500,), id="20pct-500"),
        pytest.param(0.5, (503, 422), id="50pct-503-422"),
        pytest.param(0.05, (502,), id="5pct-502"),
    ],
)
async def test_property_45_error_rate_within_bounds(
    services: Services, rate: float, statuses: tuple[int, ...]
) -> None:
    """Over 1,200 calls the simulated error share stays within 5 standard deviations."""
    await _update(services, "mock", enabled=True, **FAST)
    client = await IntegrationFactory(services, recorder=MemoryCallRecorder()).get("mock")
    assert isinstance(client, MockIntegration)
    client.enable_error_simulation(rate, statuses)
    seen: Counter[int] = Counter()
    calls = 1200
    for i in range(calls):
        try:
            await get_item(client, str(i))
            seen[200] += 1
        except ProviderError as exc:
            seen[exc.status or 0] += 1
    failures = calls - seen[200]
    sigma = math.sqrt(calls * rate * (1 - rate))
    assert abs(failures - calls * rate) <= 5 * sigma
    assert set(seen) - {200} <= set(statuses)  # a status of 0 (missing) would fail here
    client.disable_error_simulation()
    assert (await get_item(client, "after")).id == "after"


async def test_property_46_mock_calls_logged_as_mock(services: Services) -> None:
    """Every mock-mode call writes a record and a log line marked mock."""
    await _update(services, "mock", enabled=True)
    recorder = MemoryCallRecorder()
    client = await IntegrationFactory(services, recorder=recorder).get("mock")
    with capture_logs() as logs:
        for i in range(5):
            await get_item(client, str(i))  # type: ignore[arg-type]
    assert len(recorder.records) == 5 and all(r.is_mock for r in recorder.records)
    lines = [e for e in logs if e["event"] == "call.completed"]
    assert len(lines) == 5 and all(e["mock"] is True for e in lines)
