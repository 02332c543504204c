"""record_changes: many changes in one INSERT, each matched to its own cursor."""

from __future__ import annotations

import pytest

from integrations.changes import ChangeEvent, on_change, read_changes
from integrations.changes.log import RecordChange, record_changes
from integrations.storage.db import Database

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


async def test_a_batch_gets_ascending_cursors_matched_to_its_changes(db: Database) -> None:
    """Three changes (one record twice) take increasing cursors in their order; the feed
    and the listeners see each with its own data, in cursor order, after the commit."""
    heard: list[ChangeEvent] = []
    unsubscribe = on_change(heard.append)
    changes = [
        RecordChange("t-1", "created", ["status", "title"], {"status": "open"}),
        RecordChange("t-2", "created", ["title"], {"title": "two"}),
        RecordChange("t-1", "updated", ["status"], {"status": "done"}),
    ]
    try:
        async with db.sessions.begin() as session:
            cursors = await record_changes(
                session, integration="pp", entity="tasks", changes=changes,
                source="sync", source_id="sync_run:7",
            )  # fmt: skip
            assert heard == []  # not before the commit
    finally:
        unsubscribe()
    assert cursors == sorted(cursors) and len(set(cursors)) == 3
    async with db.sessions() as session:
        page = await read_changes(session)
    stored = [(c.cursor, c.external_id, c.kind, c.data) for c in page.changes]
    expected = [
        (cursor, c.external_id, c.kind, c.data) for cursor, c in zip(cursors, changes, strict=True)
    ]
    assert stored == expected
    assert [(e.cursor, e.external_id, e.data, e.source_id) for e in heard] == [
        (cursor, c.external_id, c.data, "sync_run:7")
        for cursor, c in zip(cursors, changes, strict=True)
    ]
