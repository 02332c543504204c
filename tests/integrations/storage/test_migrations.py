"""Alembic migrations: up, down, up again on SQLite and PostgreSQL; models match them."""

from __future__ import annotations

import anyio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from integrations.storage import migrate
from integrations.storage.db import Database
from integrations.storage.tables import Base

EXPECTED = {
    "integration_configs",
    "integration_config_history",
    "integration_call_logs",
    "integration_metrics",
    "integration_health",
    "webhook_events",
    "webhook_subscriptions",
    "webhook_operations",
    "sync_runs",
    "sync_state",
    "sync_locks",
    "oauth_tokens",
    "alerts",
    "admin_tokens",
    "contacts",
    "matters",
    "tasks",
    "documents",
    "form_responses",
}


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await database.dispose()


async def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    """upgrade head → downgrade base → upgrade head leaves every table in place."""
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    assert await _tables(database_url) >= EXPECTED
    await anyio.to_thread.run_sync(migrate.downgrade, database_url, "base")
    assert await _tables(database_url) <= {"alembic_version"}
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    assert await _tables(database_url) >= EXPECTED
    database = Database(database_url)
    try:
        assert await migrate.current_revision(database.engine) == migrate.head_revision()
    finally:
        await database.dispose()


async def test_models_match_migrations(database_url: str) -> None:
    """The migrated schema has no difference from the table models (no forgotten migration)."""
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    database = Database(database_url)
    try:
        async with database.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await database.dispose()
    assert diff == []


def test_head_revision_is_known() -> None:
    """The package ships a head revision."""
    assert migrate.head_revision() == "0004"
