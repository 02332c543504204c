"""The process factory: call records in the database, shared state in Redis when configured."""

from __future__ import annotations

import asyncio
import contextlib

import httpx2
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from typer.testing import CliRunner

from integrations.cli.main import app as cli_app
from integrations.config import HttpSettings, Settings, load_settings
from integrations.core.state import MemoryStateStore
from integrations.core.state_fallback import FallbackStateStore
from integrations.core.transport import ClientTransport
from integrations.errors import ConfigError
from integrations.factory import IntegrationFactory
from integrations.mock.operations import get_item
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.db import Database
from integrations.storage.tables import CallLogRow, HealthRow
from tests.helpers.raw_server import ok, serving
from tests.helpers.services import REDIS_URL, require_service


async def test_calls_are_recorded_in_the_database(services: Services) -> None:
    """Calls through the process factory leave one call-log row each once it closes."""
    update = IntegrationSettingsUpdate.model_validate({"enabled": True})
    await services.update_config("mock", update, changed_by="t")
    factory = IntegrationFactory.for_process(services)
    assert isinstance(factory.store, MemoryStateStore)  # no Redis configured: process memory
    client = await factory.get("mock")
    for i in range(3):
        await get_item(client, str(i))  # type: ignore[arg-type]
    await factory.close()
    async with services.db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(CallLogRow))
        rows = list(await session.scalars(select(CallLogRow)))
    assert count == 3
    assert all(r.is_mock and r.operation == "get_item" and r.trace_id for r in rows)


async def test_redis_url_shares_state(settings: Settings, db: Database) -> None:
    """With INTEGRATIONS_REDIS_URL set, breaker, limiter and cache live in Redis."""
    require_service("Redis", REDIS_URL, 6379)
    services = Services(settings.model_copy(update={"redis_url": REDIS_URL}), db)
    factory = IntegrationFactory.for_process(services)
    assert isinstance(factory.store, FallbackStateStore)
    assert not factory.store.degraded
    await factory.close()


async def test_breaker_survives_rebuild_and_writes_health(services: Services) -> None:
    """An open breaker stays open across a configuration change and is written to health."""
    from integrations.errors import CircuitOpenError, ProviderError
    from integrations.mock import MockIntegration

    fast = {"enabled": True, "retry": {"max_attempts": 1}, "circuit": {"failure_threshold": 2}}
    await services.update_config(
        "mock", IntegrationSettingsUpdate.model_validate(fast), changed_by="t"
    )
    factory = IntegrationFactory.for_process(services)
    client = await factory.get("mock")
    assert isinstance(client, MockIntegration)
    client.enable_error_simulation(1.0, [503])
    for _ in range(2):
        with contextlib.suppress(ProviderError):
            await get_item(client, "x")
    update = IntegrationSettingsUpdate.model_validate({"timeout_seconds": 20})
    await services.update_config("mock", update, changed_by="t")
    rebuilt = await factory.get("mock")
    assert rebuilt is not client
    try:
        await get_item(rebuilt, "x")  # type: ignore[arg-type]
    except CircuitOpenError:
        pass
    else:
        raise AssertionError("the rebuilt client forgot the open breaker")
    await factory.close()
    async with services.db.sessions() as session:
        rows = list(await session.scalars(select(HealthRow)))
    seen = [(r.integration, r.status, r.circuit_state) for r in rows]
    assert seen == [("mock", "unhealthy", "open")]


async def test_refreshed_oauth_tokens_are_stored_without_rebuilding(services: Services) -> None:
    """A PandaDoc OAuth refresh writes the new (rotated) tokens into the encrypted runtime
    configuration, keeps what only the configuration held, and the factory keeps the client."""
    from integrations.pandadoc.auth import OAuthTokens

    given = {
        "access_token": "old-access",
        "refresh_token": "old-refresh",
        "client_id": "cid",
        "client_secret": "csecret",
    }
    update = IntegrationSettingsUpdate.model_validate(
        {"enabled": True, "credentials": given | {"sandbox": "true"}}
    )
    await services.update_config("pandadoc", update, changed_by="t")
    factory = IntegrationFactory(services)
    client = await factory.get("pandadoc")
    listener = client.tokens.listener  # type: ignore[attr-defined]
    assert listener is not None
    client.credentials.update(access_token="new-access", refresh_token="new-refresh")
    await listener(OAuthTokens("new-access", "new-refresh", 3600, None))
    stored = await services.get_config("pandadoc")
    assert stored.credentials == given | {
        "access_token": "new-access",
        "refresh_token": "new-refresh",
        "sandbox": "true",
    }
    assert await factory.get("pandadoc") is client  # the new version needs no rebuild
    await factory.close()


async def test_runtime_log_level_applies_to_the_integration(services: Services) -> None:
    """An integration's runtime `log_level` decides which of its lines are written."""
    import logging

    from integrations.logging import configure_logging, log_enabled

    configure_logging(level="INFO")
    factory = IntegrationFactory(services)
    update = IntegrationSettingsUpdate.model_validate({"enabled": True, "log_level": "ERROR"})
    await services.update_config("mock", update, changed_by="t")
    await factory.get("mock")
    assert not log_enabled(logging.WARNING, "mock")
    assert log_enabled(logging.INFO, "pandadoc")  # others keep the process level
    update = IntegrationSettingsUpdate.model_validate({"log_level": "DEBUG"})
    await services.update_config("mock", update, changed_by="t")
    await factory.get("mock")
    assert log_enabled(logging.DEBUG, "mock")
    update = IntegrationSettingsUpdate.model_validate({"log_level": None})
    await services.update_config("mock", update, changed_by="t")
    await factory.get("mock")
    assert not log_enabled(logging.DEBUG, "mock") and log_enabled(logging.INFO, "mock")
    await factory.close()


async def test_http_settings_reach_every_live_client(settings: Settings, db: Database) -> None:
    """INTEGRATIONS_HTTP__CONNECT_TIMEOUT caps each call's connect phase; MAX_CONNECTIONS
    sizes the client's pool: with 7 requests held open by a server, an 8th waits for a slot."""
    http = HttpSettings(connect_timeout=2.5, max_connections=7)
    services = Services(settings.model_copy(update={"http": http}), db)
    update = {"enabled": True, "timeout_seconds": 20, "credentials": {"token": "t"}}
    await services.update_config(
        "typeform", IntegrationSettingsUpdate.model_validate(update), changed_by="t"
    )
    factory = IntegrationFactory(services)
    client = await factory.get("typeform")
    assert client._timeouts == {"connect": 2.5, "read": 20, "write": 20, "pool": 20}
    bottom = _bottom(client._chain)
    assert isinstance(bottom, ClientTransport)
    release, all_held = asyncio.Event(), asyncio.Event()
    arrived: list[bytes] = []

    async def hold(number: int, raw: bytes) -> bytes:
        arrived.append(raw)
        if len(arrived) == 7:
            all_held.set()
        await release.wait()
        return ok(b"{}")

    try:
        async with serving(hold) as server:
            held = [
                asyncio.create_task(bottom.handle_async_request(httpx2.Request("GET", server.url)))
                for _ in range(7)
            ]
            await asyncio.wait_for(all_held.wait(), 5)
            short_pool_wait = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 0.2}
            eighth = httpx2.Request("GET", server.url, extensions={"timeout": short_pool_wait})
            with pytest.raises(httpx2.PoolTimeout):  # a larger pool would send it: ReadTimeout
                await bottom.handle_async_request(eighth)
            release.set()
            assert [r.status_code for r in await asyncio.gather(*held)] == [200] * 7
        assert server.connections == 7 and len(server.requests) == 7
    finally:
        release.set()
        await factory.close()


def test_the_retired_engine_setting_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """INTEGRATIONS_HTTP__ENGINE=native fails the settings with a message naming the variable
    and why, and `integrations config check` exits 2 saying so, without a traceback."""
    monkeypatch.setenv("INTEGRATIONS_HTTP__ENGINE", "native")
    why = "INTEGRATIONS_HTTP__ENGINE was removed: every client now uses httpx2"
    with pytest.raises(ValidationError, match=why):
        Settings()
    with pytest.raises(ConfigError, match=why):
        load_settings()
    result = CliRunner().invoke(cli_app, ["config", "check"])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert why in result.stderr and "unset the variable" in result.stderr
    assert "Traceback" not in result.output


def _bottom(transport: object) -> object:
    """The engine under a client's layers and wrappers (each keeps its inner one as `_inner`)."""
    while hasattr(transport, "_inner"):
        transport = transport._inner
    return transport
