"""Fixtures for the whole suite: clean environment, databases on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import structlog
from cryptography.fernet import Fernet
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from integrations.config import Settings, get_settings, load_settings
from integrations.logging import _KNOWN_SECRETS
from integrations.services import Services
from integrations.storage.db import Database
from integrations.storage.tables import Base
from tests.helpers.services import fresh_postgres_database

# The suite's own SMTP servers (aiosmtpd) log each connection at INFO from their threads,
# sometimes after pytest closed the stream it captured them with ("--- Logging error ---").
logging.getLogger("mail.log").setLevel(logging.WARNING)

# Hypothesis' default 200 ms deadline per example and its "input generation is slow" check
# are real-clock margins: on a loaded machine they fail correct tests ("Unreliable test
# timings"). The suite's time is bounded by example counts and pytest-timeout instead.
hypothesis_settings.register_profile(
    "suite", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("suite")

_KEEP = {
    "INTEGRATIONS_REQUIRE_SERVICES",
    "INTEGRATIONS_TEST_POSTGRES_URL",
    "INTEGRATIONS_TEST_REDIS_URL",
}
_VENDOR_PREFIXES = ("PANDADOC_", "TYPEFORM_", "PRACTICEPANTHER_", "NICEDNB_", "EMAIL_", "SMS_")
# Every engine follows these; a developer behind a corporate proxy would otherwise send the
# suite's loopback requests to it.
_PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


@pytest.fixture(name="anyio_backend")
def _anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test starts with no INTEGRATIONS_/vendor/proxy variables, in its own working folder."""
    for key in list(os.environ):
        if (
            (key.startswith("INTEGRATIONS_") and key not in _KEEP)
            or key.startswith(_VENDOR_PREFIXES)
            or key.lower() in _PROXY_VARIABLES
        ):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    structlog.reset_defaults()
    _KNOWN_SECRETS.clear()


@pytest.fixture(name="secret_key")
def _secret_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture(name="database_url", params=["sqlite", "postgresql"])
def _database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(name="settings")
def _settings(database_url: str, tmp_path: Path, secret_key: str) -> Settings:
    return load_settings(
        database_url=database_url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        admin_token="test-admin-token-0123456789",
    )


@pytest.fixture(name="db")
async def _db(settings: Settings) -> AsyncIterator[Database]:
    """A database with every table created (the migration test checks they match)."""
    database = Database(settings.resolved_database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture(name="services")
async def _services(settings: Settings, db: Database) -> Services:
    return Services(settings, db)
