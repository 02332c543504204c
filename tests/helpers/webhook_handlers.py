"""A webhook handler module for tests that run a real server (`webhooks.handler_modules`).

Every processing of a "generic" event inserts one row into `test_webhook_effects`, inside the
transaction that marks the event processed: a test counts the rows per event id to check that
effects happen exactly once, even when the server is killed mid-way.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent

__all__ = ["EFFECTS_TABLE", "record_effect", "register"]

EFFECTS_TABLE = "test_webhook_effects"

_CREATE = text(
    f"CREATE TABLE IF NOT EXISTS {EFFECTS_TABLE} (event_id TEXT, processed_at TIMESTAMP)"
)
_INSERT = text(
    f"INSERT INTO {EFFECTS_TABLE} (event_id, processed_at) VALUES (:event_id, :processed_at)"  # noqa: S608
).bindparams(bindparam("processed_at", type_=DateTime()))

_created = False
_lock: asyncio.Lock | None = None


async def _ensure_table(session: AsyncSession) -> None:
    """Create the table once per process, committed before any handler inserts into it.

    It is created in a transaction of its own on the session's engine, one creator at a
    time: on PostgreSQL, DDL in the handler's transaction would stay invisible to the other
    handlers until that commit, and concurrent `CREATE TABLE IF NOT EXISTS` can fail there.
    """
    global _created, _lock
    if _created:
        return
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        if _created:
            return
        engine = session.bind
        assert isinstance(engine, AsyncEngine)
        async with engine.begin() as connection:
            await connection.execute(_CREATE)
        _created = True


async def record_effect(event: InboxEvent, session: AsyncSession) -> None:
    """One row per processing of `event`, in the transaction that marks it processed."""
    await _ensure_table(session)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    await session.execute(_INSERT, {"event_id": event.event_id, "processed_at": now})


def register(handlers: HandlerRegistry) -> None:
    handlers.register("generic", "*", record_effect)
