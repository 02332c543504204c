"""record_change appends in the caller's transaction; listeners hear committed changes only."""

from __future__ import annotations

import pytest

from integrations.changes import ChangeEvent, on_change, read_changes, record_change
from integrations.storage.db import Database


async def _record(db: Database, external_id: str, *, commit: bool = True) -> int:
    async with db.sessions() as session:
        cursor = await record_change(
            session,
            integration="pandadoc",
            entity="documents",
            external_id=external_id,
            kind="updated",
            changed_fields=["status", "status", "name"],
            source="webhook",
            source_id="evt-1",
            data={"status": "document.completed"},
        )
        if commit:
            await session.commit()
        else:
            await session.rollback()
    return cursor


async def test_committed_changes_reach_the_feed_and_listeners_in_cursor_order(
    db: Database,
) -> None:
    """Two committed changes: increasing cursors, both in the feed, both heard once, in order."""
    heard: list[ChangeEvent] = []
    unsubscribe = on_change(heard.append)
    try:
        first = await _record(db, "doc-1")
        second = await _record(db, "doc-2")
    finally:
        unsubscribe()
    assert second > first
    assert [c.cursor for c in heard] == [first, second]
    assert heard[0].changed_fields == ("name", "status")
    async with db.sessions() as session:
        page = await read_changes(session, after=0)
    assert [c.external_id for c in page.changes] == ["doc-1", "doc-2"]
    assert page.next_cursor == second
    assert page.changes[0].data == {"status": "document.completed"}


async def test_a_rolled_back_change_is_neither_stored_nor_heard(db: Database) -> None:
    """The change lives and dies with the writer's transaction."""
    heard: list[ChangeEvent] = []
    unsubscribe = on_change(heard.append)
    try:
        await _record(db, "doc-gone", commit=False)
        kept = await _record(db, "doc-kept")
    finally:
        unsubscribe()
    assert [c.cursor for c in heard] == [kept]
    async with db.sessions() as session:
        page = await read_changes(session)
    assert [c.external_id for c in page.changes] == ["doc-kept"]


async def test_a_failing_listener_does_not_stop_the_others(db: Database) -> None:
    """A broken listener is logged; the next one still hears the change."""
    heard: list[int] = []

    def broken(change: ChangeEvent) -> None:
        raise RuntimeError("listener bug")

    undo_broken = on_change(broken)
    undo_heard = on_change(lambda change: heard.append(change.cursor))
    try:
        cursor = await _record(db, "doc-3")
    finally:
        undo_broken()
        undo_heard()
    assert heard == [cursor]


async def test_feed_filters_and_resumes_from_next_cursor(db: Database) -> None:
    """Pages filtered by integration and entity; resuming at next_cursor skips nothing."""
    async with db.sessions() as session:
        for n in range(5):
            await record_change(
                session,
                integration="typeform" if n % 2 else "pandadoc",
                entity="form_responses" if n % 2 else "documents",
                external_id=f"r-{n}",
                kind="created",
                changed_fields=[],
                source="sync",
            )
        await session.commit()
    async with db.sessions() as session:
        first = await read_changes(session, integration="pandadoc", limit=2)
        rest = await read_changes(session, after=first.next_cursor, integration="pandadoc")
        forms = await read_changes(session, entity="form_responses")
    assert [c.external_id for c in first.changes + rest.changes] == ["r-0", "r-2", "r-4"]
    assert [c.external_id for c in forms.changes] == ["r-1", "r-3"]
    assert rest.next_cursor == rest.changes[-1].cursor


async def test_bad_kind_and_source_are_refused(db: Database) -> None:
    """Only the documented kinds and sources are stored."""
    async with db.sessions() as session:
        with pytest.raises(ValueError, match="kind"):
            await record_change(
                session,
                integration="x",
                entity="y",
                external_id="1",
                kind="moved",
                changed_fields=[],
                source="sync",
            )
        with pytest.raises(ValueError, match="source"):
            await record_change(
                session,
                integration="x",
                entity="y",
                external_id="1",
                kind="created",
                changed_fields=[],
                source="carrier-pigeon",
            )
