"""The inbox: store-then-ack with group commit and dedupe on the vendor's event id.

A delivery is acknowledged only after the transaction holding its row committed, so nothing
acknowledged is ever lost. Committing each request alone caps a 2-core machine far below a
vendor's burst rate, so concurrent requests are committed together: while one batch
commits, the next requests queue, and the next batch takes them all in one transaction
(one `INSERT ... ON CONFLICT DO NOTHING RETURNING`). Each request still waits for the commit
of the batch that holds it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, text
from sqlalchemy.dialects import sqlite

from integrations.logging import get_logger
from integrations.storage.db import Database
from integrations.storage.tables import UtcDateTime, utcnow
from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["IncomingEvent", "WebhookInbox"]

_log = get_logger()

_POSTGRES_INSERT = text(
    """
    INSERT INTO webhook_events (integration, event_id, event_type, status, signature_valid,
        headers, body, attempts, attempt_log, trace_id, received_at, next_attempt_at)
    SELECT r.i, r.e, r.t, 'pending', TRUE, r.h, decode(r.b, 'hex'), 0, CAST('[]' AS json),
        r.tr, :now, :now
    FROM json_to_recordset(CAST(:rows AS json)) AS r (i text, e text, t text, h json, b text,
        tr text)
    ON CONFLICT (integration, event_id) DO NOTHING
    RETURNING integration, event_id
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """A verified delivery about to be stored."""

    integration: str
    event_id: str
    event_type: str | None
    headers: dict[str, Any]
    body: bytes
    trace_id: str | None = None


@dataclass(slots=True)
class _Waiting:
    event: IncomingEvent
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class WebhookInbox:
    """Stores verified deliveries durably, batching concurrent ones into one commit.

    Args:
        database: where `webhook_events` lives.
        max_batch: the most rows one transaction takes.
        on_stored: called after each commit that stored new events (wakes the worker).
    """

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = 1000,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self._db = database
        self._max_batch = max_batch
        self._queue: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self.on_stored = on_stored
        # SQLite: a Core statement executed with a list of rows; SQLAlchemy compiles it once
        # and sends each batch as one multi-row INSERT ("insertmanyvalues"), where an ORM
        # `insert().values(rows)` would build and compile a new statement for every batch.
        table = cast(Table, WebhookEventRow.__table__)
        self._insert = (
            sqlite.insert(table)
            .on_conflict_do_nothing(index_elements=["integration", "event_id"])
            .returning(table.c.integration, table.c.event_id)
        )

    async def store(self, event: IncomingEvent) -> bool:
        """Store `event` and wait for its commit: True when new, False for a duplicate.

        Raises:
            Exception: the commit failed; the delivery must not be acknowledged.
        """
        waiting = _Waiting(event)
        self._queue.append(waiting)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        return await waiting.done

    async def _write_all(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            try:
                inserted = await self._commit([w.event for w in batch])
            except Exception as exc:
                _log.exception("webhook.store_failed", events=len(batch))
                for waiting in batch:
                    if not waiting.done.done():
                        waiting.done.set_exception(exc)
                continue
            for waiting in batch:
                if not waiting.done.done():
                    key = (waiting.event.integration, waiting.event.event_id)
                    waiting.done.set_result(key in inserted)
                    inserted.discard(key)  # a second copy in the same batch is a duplicate
            if self.on_stored is not None:
                self.on_stored()

    async def _commit(self, events: list[IncomingEvent]) -> set[tuple[str, str]]:
        """Insert `events` in one transaction; the keys of those that were new."""
        if not self._db.is_sqlite:
            return await self._commit_postgres(events)
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "integration": e.integration,
                "event_id": e.event_id,
                "event_type": e.event_type,
                "status": "pending",
                "signature_valid": True,
                "headers": e.headers,
                "body": e.body,
                "attempts": 0,
                "attempt_log": [],
                "trace_id": e.trace_id,
                "received_at": now,
                "next_attempt_at": now,
            }
            for e in events
        ]
        async with self._db.engine.begin() as connection:
            result = await connection.execute(self._insert, rows)
            return {(r[0], r[1]) for r in result}

    async def _commit_postgres(self, events: list[IncomingEvent]) -> set[tuple[str, str]]:
        # The whole batch as one JSON parameter: the SQL text is the same for every batch
        # size, so psycopg prepares it once, and the driver sends one string instead of
        # adapting every value of a multi-row INSERT (or every element of column arrays).
        rows = json.dumps(
            [
                {
                    "i": e.integration,
                    "e": e.event_id,
                    "t": e.event_type,
                    "h": e.headers,
                    "b": e.body.hex(),
                    "tr": e.trace_id,
                }
                for e in events
            ]
        )
        async with self._db.engine.begin() as connection:
            result = await connection.execute(_POSTGRES_INSERT, {"rows": rows, "now": utcnow()})
            return {(r[0], r[1]) for r in result}
