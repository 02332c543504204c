"""A batch's references are resolved with one query, not one per record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from integrations.services import Services
from integrations.storage.tables_inbound import ContactRow
from integrations.sync.context import MapContext

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@contextmanager
def _selects_on(services: Services, table: str) -> Iterator[list[str]]:
    """Every SELECT reading `table` while the block runs."""
    seen: list[str] = []

    def record(*args: object) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_preload_resolves_a_batch_in_one_query(services: Services) -> None:
    """Preloading five references (one repeated, one unknown, one empty) takes one SELECT;
    `resolve` then answers from it: the lowest id of a non-unique key, None when absent."""
    async with services.db.sessions.begin() as session:
        rows = [
            ContactRow(integration="pp", external_id=f"c{i}", account_external_id=account)
            for i, account in enumerate(["a1", "a2", "a1", "a3"])
        ]
        session.add_all(rows)
    ids = [row.id for row in rows]
    async with services.db.sessions() as session:
        context = MapContext(session, "pp", "matters")
        with _selects_on(services, "contacts") as selects:
            await context.preload(ContactRow, "account_external_id", ["a1", "a2", "a1", "a9", None])
            resolved = [
                await context.resolve(ContactRow, "account_external_id", account)
                for account in ("a1", "a2", "a9", None)
            ]
        assert resolved == [min(ids[0], ids[2]), ids[1], None, None]
        assert len(selects) == 1
        with _selects_on(services, "contacts") as later:
            assert await context.resolve(ContactRow, "account_external_id", "a3") == ids[3]
        assert len(later) == 1  # a reference not preloaded is looked up on its own
