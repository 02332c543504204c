"""Issue 19 property: for any sequence of webhook deliveries, sync pages and reconciliation
finds, the feed read from any cursor yields each change exactly once, in cursor order, with no
gaps. The tables are the oracle: a record whose public columns an operation changed has exactly
one change for that operation (its changed fields are the columns that differ); an operation
that changed nothing (a repeated or stale delivery) appended nothing."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from integrations.changes import ChangeEvent, read_changes
from integrations.storage.db import Database
from integrations.storage.tables_changes import ChangeRow
from tests.integrations.changes import writers

STATUSES = ["document.draft", "document.sent", "document.viewed", "document.completed"]
_run_ids = itertools.count(1)

document_op = st.tuples(
    st.sampled_from(["webhook", "reconciliation"]),
    st.integers(0, 2),
    st.sampled_from(["document_state_changed", "document_updated", "document_deleted"]),
    st.sampled_from(STATUSES),
    st.integers(0, 4),
)
form_op = st.tuples(st.just("form"), st.integers(0, 1), st.booleans(), st.sampled_from("ab"))
sync_op = st.tuples(
    st.just("sync"), st.lists(st.tuples(st.integers(0, 2), st.sampled_from("xyz")), max_size=4)
)
operations = st.lists(st.one_of(document_op, form_op, sync_op), min_size=1, max_size=12)


async def _all_after(db: Database, cursor: int, limit: int = 1000) -> list[ChangeEvent]:
    """Every change after `cursor`, read in pages of `limit` from each `next_cursor`."""
    seen: list[ChangeEvent] = []
    while True:
        async with db.sessions() as session:
            page = await read_changes(session, after=cursor, limit=limit)
        seen += page.changes
        cursor = page.next_cursor
        if not page.has_more:
            return seen


async def _run(db: Database, op: tuple[Any, ...], prefix: str) -> list[tuple[str, str, str]]:
    """Run one operation; the (entity, table key, feed external id) of each record it touches."""
    if op[0] == "form":
        _, n, partial, answer = op
        token = f"{prefix}t{n}"
        await writers.apply_form(db, token, partial, answer)
        return [("form_responses", token, f"F1:{token}")]
    if op[0] == "sync":
        page = [(f"{prefix}c{n}", name) for n, name in op[1]]
        await writers.sync_contacts(db, page, next(_run_ids))
        return [("contacts", ext, ext) for ext in dict(page)]
    source, n, trigger, status, minute = op
    doc_id = f"{prefix}d{n}"
    await writers.apply_document(db, doc_id, trigger, status, minute, source=source)
    return [("documents", doc_id, doc_id)]


async def _last_cursor(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.max(ChangeRow.id))) or 0)


async def _check_operation(db: Database, op: tuple[Any, ...], prefix: str) -> None:
    """The operation's changes are exactly the records whose public columns it changed."""
    before_cursor = await _last_cursor(db)
    touched = _touched(op, prefix)
    before = {key: await writers.row_state(db, entity, key) for entity, key, _ in touched}
    await _run(db, op, prefix)
    appended = await _all_after(db, before_cursor)
    expected: dict[str, tuple[str, list[str]]] = {}
    for entity, key, feed_id in touched:
        after = await writers.row_state(db, entity, key)
        assert after is not None
        old = before[key]
        differ = sorted(f for f in after if old is None or old[f] != after[f])
        if differ:
            expected[feed_id] = ("created" if old is None else "updated", differ)
    got = {c.external_id: (c.kind, list(c.changed_fields)) for c in appended}
    assert len(got) == len(appended), "a record appeared twice for one operation"
    for feed_id, (kind, fields) in expected.items():
        assert feed_id in got, f"{op}: no change for {feed_id}"
        got_kind, got_fields = got[feed_id]
        assert got_fields == fields
        assert got_kind == kind or (kind == "updated" and got_kind == "deleted")
    assert set(got) == set(expected), f"{op}: unexpected changes {set(got) - set(expected)}"


def _touched(op: tuple[Any, ...], prefix: str) -> list[tuple[str, str, str]]:
    if op[0] == "form":
        token = f"{prefix}t{op[1]}"
        return [("form_responses", token, f"F1:{token}")]
    if op[0] == "sync":
        return [("contacts", f"{prefix}c{n}", f"{prefix}c{n}") for n in dict(op[1])]
    return [("documents", f"{prefix}d{op[1]}", f"{prefix}d{op[1]}")]


_prefixes = itertools.count(1)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, page_size=st.integers(1, 5), resume=st.integers(0, 99))
async def test_feed_yields_each_change_once_in_cursor_order_without_gaps(
    db: Database, ops: list[tuple[Any, ...]], page_size: int, resume: int
) -> None:
    """Per operation: exactly its changes. Overall: contiguous increasing cursors, and the
    feed read from any cursor in any page size is exactly the suffix after that cursor."""
    prefix = f"p{next(_prefixes)}-"
    start = await _last_cursor(db)
    for op in ops:
        await _check_operation(db, op, prefix)
    feed = await _all_after(db, start)
    cursors = [c.cursor for c in feed]
    assert cursors == list(range(start + 1, start + 1 + len(feed)))
    candidates = [start, *cursors]
    resume_at = candidates[resume % len(candidates)]
    suffix = await _all_after(db, resume_at, limit=page_size)
    assert [c.cursor for c in suffix] == [c for c in cursors if c > resume_at]
