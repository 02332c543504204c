"""Migration 0004: stored runtime settings keep only what an operator set."""

from __future__ import annotations

import datetime as dt
from typing import Any

import anyio
from sqlalchemy import select

from integrations.config import Settings
from integrations.services import Services
from integrations.storage import migrate
from integrations.storage.db import Database
from integrations.storage.tables import IntegrationConfigRow

# What the previous release wrote for a PATCH of `{"enabled": true}` (every field, defaults
# included), and for one that also set a retry base and a timeout.
LEGACY_DEFAULTS: dict[str, Any] = {
    "base_url": None,
    "timeout_seconds": 30.0,
    "rate_limits": [{"limit": 300, "period_seconds": 60.0}],
    "cache_ttl_seconds": 0.0,
    "retry": {"max_attempts": 3, "base_seconds": 1.0, "cap_seconds": 60.0},
    "circuit": {"failure_threshold": 5, "reset_timeout_seconds": 60.0},
    "log_level": None,
    "options": {},
}
LEGACY_CHOSEN: dict[str, Any] = LEGACY_DEFAULTS | {
    "rate_limits": [{"limit": 2, "period_seconds": 1.0}],
    "timeout_seconds": 45.0,
    "retry": {"max_attempts": 3, "base_seconds": 2.0, "cap_seconds": 60.0},
    "options": {"note": "kept"},
}


async def _insert_legacy(url: str) -> None:
    database = Database(url)
    now = dt.datetime.now(dt.UTC)
    try:
        async with database.engine.begin() as conn:
            for name, settings in (("pandadoc", LEGACY_DEFAULTS), ("typeform", LEGACY_CHOSEN)):
                await conn.execute(
                    IntegrationConfigRow.__table__.insert().values(
                        integration=name,
                        enabled=True,
                        mode="live",
                        settings=settings,
                        version=1,
                        updated_by="admin",
                        created_at=now,
                        updated_at=now,
                    )
                )
    finally:
        await database.dispose()


async def _stored(url: str) -> dict[str, dict[str, Any]]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            rows = await conn.execute(
                select(IntegrationConfigRow.integration, IntegrationConfigRow.settings)
            )
            return {name: settings for name, settings in rows}
    finally:
        await database.dispose()


async def test_old_defaults_are_dropped_and_restored(settings: Settings) -> None:
    """Upgrading removes the values the old release wrote by default (PandaDoc then retries as
    its spec says) and keeps chosen ones; downgrading writes the old defaults back."""
    url = settings.resolved_database_url
    await anyio.to_thread.run_sync(migrate.upgrade, url, "0003")
    await _insert_legacy(url)

    await anyio.to_thread.run_sync(migrate.upgrade, url)

    assert await _stored(url) == {
        "pandadoc": {},
        "typeform": {
            "timeout_seconds": 45.0,
            "retry": {"base_seconds": 2.0},
            "options": {"note": "kept"},
        },
    }
    services = Services(settings)
    try:
        pandadoc = await services.get_config("pandadoc")
        typeform = await services.get_config("typeform")
    finally:
        await services.close()
    assert (pandadoc.settings.retry.max_attempts, pandadoc.settings.retry.cap_seconds) == (7, 32)
    assert typeform.settings.model_dump(exclude_unset=True, exclude={"enabled", "mode"}) == {
        "timeout_seconds": 45.0,
        "retry": {"base_seconds": 2.0},
        "options": {"note": "kept"},
    }

    await anyio.to_thread.run_sync(migrate.downgrade, url, "0003")

    assert await _stored(url) == {"pandadoc": LEGACY_DEFAULTS, "typeform": LEGACY_CHOSEN}
