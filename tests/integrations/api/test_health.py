"""Health: 200 at the migrated head; 503 when the schema is behind or the database is down.

Public `/healthz` answers the status alone (and which part failed); the version, revisions,
database error and mock-mode list are in `/api/v1/health`, behind the admin token.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from integrations import __version__
from integrations.api.app import create_app
from integrations.api.middleware import TRACE_HEADER
from integrations.config import Settings, load_settings
from integrations.services import Services
from integrations.storage import migrate

ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}


async def _get(settings: Settings, services: Services, path: str, **kwargs: Any) -> httpx2.Response:
    """GET `path` without a lifespan: the services are handed to the app directly."""
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path, **kwargs)


async def _healthz(settings: Settings, services: Services) -> httpx2.Response:
    return await _get(settings, services, "/healthz")


async def _detailed(settings: Settings, services: Services) -> httpx2.Response:
    return await _get(settings, services, "/api/v1/health", headers=ADMIN)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_migrated_database_is_healthy(settings: Settings) -> None:
    """At the shipped head `/healthz` answers 200 with the status alone, without a token."""
    await anyio.to_thread.run_sync(migrate.upgrade, settings.resolved_database_url)
    services = Services(settings)
    try:
        response = await _healthz(settings, services)
    finally:
        await services.close()

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers[TRACE_HEADER]


async def test_detailed_health_needs_the_admin_token(settings: Settings) -> None:
    """`/api/v1/health` gives the version, database, revisions and mock mode to admins only."""
    await anyio.to_thread.run_sync(migrate.upgrade, settings.resolved_database_url)
    services = Services(settings)
    try:
        anonymous = await _get(settings, services, "/api/v1/health")
        response = await _detailed(settings, services)
    finally:
        await services.close()

    assert anonymous.status_code == 401
    assert __version__ not in anonymous.text
    assert response.status_code == 200
    body = response.json()
    head = migrate.head_revision()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"] == __version__
    assert body["migration"] == {"current": head, "head": head}
    assert body["mock_mode"] == []
    assert response.headers[TRACE_HEADER]


async def test_mock_mode_is_reported(settings: Settings) -> None:
    """Enabled integrations in mock mode are named by the health endpoint."""
    from integrations.runtime_config import IntegrationSettingsUpdate

    await anyio.to_thread.run_sync(migrate.upgrade, settings.resolved_database_url)
    services = Services(settings)
    try:
        for name, fields in (("mock", {"enabled": True}), ("pandadoc", {"mode": "mock"})):
            update = IntegrationSettingsUpdate.model_validate(fields)
            await services.update_config(name, update, changed_by="t")
        public = await _healthz(settings, services)
        response = await _detailed(settings, services)
    finally:
        await services.close()
    assert response.json()["mock_mode"] == ["mock"]  # pandadoc is in mock mode but disabled
    assert public.json() == {"status": "ok"}  # which integrations are simulated is not public


async def test_empty_database_is_unhealthy(settings: Settings) -> None:
    """A reachable database without any migration is reported as 503 with no current revision."""
    services = Services(settings)
    try:
        public = await _healthz(settings, services)
        response = await _detailed(settings, services)
    finally:
        await services.close()

    assert public.status_code == 503
    assert public.json() == {"status": "error", "reason": "migration_behind"}
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["migration"] == {"current": None, "head": migrate.head_revision()}


async def test_tables_without_migration_history_are_unhealthy(
    settings: Settings, services: Services
) -> None:
    """Tables made by `create_all` carry no Alembic revision, so the schema counts as behind."""
    response = await _detailed(settings, services)

    assert response.status_code == 503
    assert response.json()["migration"]["current"] is None


@pytest.mark.parametrize(
    "where",
    [
        pytest.param("sqlite-path-is-a-folder", id="sqlite-path-is-a-folder"),
        pytest.param("postgres-closed-port", id="postgres-closed-port"),
    ],
)
async def test_unreachable_database_is_unhealthy(
    where: str, tmp_path: Path, secret_key: str
) -> None:
    """A database that cannot be opened gives 503 naming the error type, not a 500."""
    if where == "sqlite-path-is-a-folder":
        folder = tmp_path / "not-a-file.db"
        folder.mkdir()
        url = f"sqlite+aiosqlite:///{folder}"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/postgres"
    settings = load_settings(
        database_url=url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        admin_token="test-admin-token-0123456789",
    )
    services = Services(settings)
    try:
        with anyio.fail_after(30):
            public = await _healthz(settings, services)
            response = await _detailed(settings, services)
    finally:
        await services.close()
        # aiosqlite stops the worker thread of a failed connect without awaiting it; let the
        # thread post its result before the test's loop closes (else a thread warning).
        await anyio.sleep(0.05)

    assert public.status_code == 503
    assert public.json() == {"status": "error", "reason": "database_unavailable"}
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] != "ok"
    assert body["migration"] is None
