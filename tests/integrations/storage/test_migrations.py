"""Alembic migrations: up, down, up again on SQLite and PostgreSQL; models match them."""

from __future__ import annotations

import datetime as dt

import anyio
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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
    "exchanges",
    "sync_schedules",
    "tasks",
    "documents",
    "form_responses",
    "jobs",
    "nicednb_manual_entries",
    "changes",
    "event_subscriptions",
    "change_deliveries",
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


def _ours(name: str | None, type_: str, _parents: object) -> bool:
    """procrastinate's tables (applied by 0006 on PostgreSQL) have no models of ours."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


async def test_models_match_migrations(database_url: str) -> None:
    """The migrated schema has no difference from the table models (no forgotten migration)."""
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    database = Database(database_url)
    try:
        async with database.engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(
                        c, opts={"compare_type": True, "include_name": _ours}
                    ),
                    Base.metadata,
                )
            )
    finally:
        await database.dispose()
    assert diff == []


def test_head_revision_is_known() -> None:
    """The package ships a head revision."""
    assert migrate.head_revision() == "0011"


async def _events(url: str) -> list[tuple[str, str | None]]:
    database = Database(url)
    try:
        async with database.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: {col["name"] for col in inspect(c).get_columns("webhook_events")}
            )
            key = "dedupe_key" if "dedupe_key" in columns else "NULL"
            rows = await conn.execute(
                text(f"SELECT event_id, {key} FROM webhook_events ORDER BY id")  # noqa: S608
            )
            return [(r[0], r[1]) for r in rows]
    finally:
        await database.dispose()


async def _insert_event(url: str, event_id: str, key: str | None) -> None:
    columns = "integration, event_id, status, signature_valid, headers, body, attempts, "
    values = "'pandadoc', :e, 'processed', TRUE, '{}', :b, 1, '[]', :t"
    if key is not None:  # after 0003 the key is a column of its own
        columns = columns.replace("event_id, ", "event_id, dedupe_key, ")
        values = values.replace(":e,", ":e, :k,")
    database = Database(url)
    try:
        async with database.engine.begin() as conn:
            await conn.execute(
                text(
                    f"INSERT INTO webhook_events ({columns}attempt_log, received_at) "  # noqa: S608
                    f"VALUES ({values})"
                ),
                {"e": event_id, "k": key, "b": b"{}", "t": dt.datetime.now(dt.UTC)},
            )
    finally:
        await database.dispose()


async def test_0003_keys_existing_events_on_their_id_and_downgrades_without_loss(
    database_url: str,
) -> None:
    """Events stored before 0003 dedupe on their event id afterwards; a downgrade keeps
    every row, giving a repeated event id (allowed since 0003) its dedupe key instead."""
    await anyio.to_thread.run_sync(migrate.upgrade, database_url, "0002")
    await _insert_event(database_url, "evt-old", None)
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    assert await _events(database_url) == [("evt-old", "evt-old")]
    await _insert_event(database_url, "evt-old", "sha256:another-body")
    await anyio.to_thread.run_sync(migrate.downgrade, database_url, "0002")
    assert await _events(database_url) == [("evt-old", None), ("sha256:another-body", None)]


async def _sql(url: str, statement: str, params: dict[str, object] | None = None) -> list[tuple]:
    database = Database(url)
    try:
        async with database.engine.begin() as conn:
            result = await conn.execute(text(statement), params or {})
            return [tuple(r) for r in result] if result.returns_rows else []
    finally:
        await database.dispose()


async def test_0007_keeps_matters_as_exchanges_and_back(database_url: str) -> None:
    """Matters stored before 0007 become exchanges (id, vendor id, status, notes kept), new
    exchanges get fresh ids after them, and a downgrade turns them back into matters."""
    await anyio.to_thread.run_sync(migrate.upgrade, database_url, "0006")
    now = dt.datetime.now(dt.UTC)
    await _sql(
        database_url,
        "INSERT INTO matters (id, integration, external_id, name, status, description, raw,"
        " last_sync_at, created_at, updated_at) VALUES (7, 'practicepanther', 'm-1', 'Smith',"
        " 'Open', 'note', '{\"id\": \"m-1\"}', :t, :t, :t)",
        {"t": now},
    )
    await anyio.to_thread.run_sync(migrate.upgrade, database_url)
    rows = await _sql(
        database_url, "SELECT id, pp_matter_id, name, status, status_raw, notes FROM exchanges"
    )
    assert rows == [(7, "m-1", "Smith", "Open", "Open", "note")]
    await _sql(
        database_url,
        "INSERT INTO exchanges (integration, pp_matter_id, pp_data, last_sync_at, created_at,"
        " updated_at) VALUES ('practicepanther', 'm-2', '{}', :t, :t, :t)",
        {"t": now},
    )
    assert await _sql(database_url, "SELECT MAX(id) FROM exchanges") == [(8,)]
    await anyio.to_thread.run_sync(migrate.downgrade, database_url, "0006")
    rows = await _sql(database_url, "SELECT id, external_id, status FROM matters ORDER BY id")
    assert rows == [(7, "m-1", "Open"), (8, "m-2", None)]
