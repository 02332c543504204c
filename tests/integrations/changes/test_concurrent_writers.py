"""Concurrent change writers on PostgreSQL: cursor order is commit order, so a reader polling
the feed while writers commit never skips a change (SQLite has a single writer already)."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import text

from integrations.changes import read_changes, record_change
from integrations.storage.db import Database
from tests.integrations.changes import writers


def _postgresql_only(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent change writers only interleave on PostgreSQL")


async def _record(
    db: Database,
    external_id: str,
    hold: asyncio.Event | None = None,
    recorded: asyncio.Event | None = None,
) -> int:
    async with db.sessions.begin() as session:
        cursor = await record_change(
            session,
            integration="pandadoc",
            entity="documents",
            external_id=external_id,
            kind="updated",
            changed_fields=["status"],
            source="webhook",
        )
        if recorded is not None:
            recorded.set()
        if hold is not None:
            await hold.wait()
    return cursor


async def _waiting_for_change_lock(db: Database) -> bool:
    async with db.engine.connect() as conn:
        waiting = await conn.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        )
    return bool(waiting)


async def _feed(db: Database, after: int) -> list[int]:
    async with db.sessions() as session:
        return [c.cursor for c in (await read_changes(session, after=after, limit=1000)).changes]


async def test_a_second_writer_waits_for_the_first_to_commit(db: Database) -> None:
    """While a writer's change is uncommitted, the next writer cannot take a cursor: it waits
    on the change-log lock, so its (larger) cursor can never be visible before the first."""
    _postgresql_only(db)
    release, recorded = asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(_record(db, "first", release, recorded))
    await recorded.wait()
    second = asyncio.create_task(_record(db, "second"))
    for _ in range(500):  # until the second writer is queued on the lock (bounded)
        if await _waiting_for_change_lock(db):
            break
        await asyncio.sleep(0.01)
    assert await _waiting_for_change_lock(db), "the second writer did not wait for the lock"
    assert not second.done()
    assert await _feed(db, 0) == []  # nothing is visible while the first is uncommitted
    release.set()
    first_cursor, second_cursor = await first, await second
    assert second_cursor > first_cursor
    assert await _feed(db, 0) == [first_cursor, second_cursor]


async def test_a_polling_reader_misses_nothing_from_interleaved_writers(db: Database) -> None:
    """Writers (real webhook handlers and slow transactions) commit concurrently while a reader
    polls from its last cursor: the reader ends with every change once, in cursor order."""
    _postgresql_only(db)
    rng = random.Random(19)
    done = asyncio.Event()

    async def slow_writer(n: int) -> None:
        for i in range(6):
            async with db.sessions.begin() as session:
                await record_change(
                    session,
                    integration="typeform",
                    entity="form_responses",
                    external_id=f"w{n}-{i}",
                    kind="created",
                    changed_fields=[],
                    source="api",
                )
                await asyncio.sleep(rng.random() / 50)  # commit late: others queue behind

    async def webhook_writer(n: int) -> None:
        for i in range(6):
            await writers.apply_document(db, f"doc{n}", "document_updated", "document.sent", i)

    async def reader() -> list[int]:
        seen: list[int] = []
        cursor = 0
        while True:
            finished = done.is_set()
            batch = await _feed(db, cursor)
            seen += batch
            cursor = batch[-1] if batch else cursor
            if finished and not batch:
                return seen
            await asyncio.sleep(0.001)

    reading = asyncio.create_task(reader())
    await asyncio.gather(
        *(slow_writer(n) for n in range(4)), *(webhook_writer(n) for n in range(3))
    )
    done.set()
    seen = await reading
    everything = await _feed(db, 0)
    assert len(everything) == 4 * 6 + 3 * 6
    assert seen == everything
    assert seen == sorted(set(seen))
