"""The inbox: store-then-ack with group commit and dedupe on a signed key.

A delivery is acknowledged only after the transaction holding its row committed, so nothing
acknowledged is ever lost. Committing each request alone caps a 2-core machine far below a
vendor's burst rate, so concurrent requests are committed together: while one batch
commits, the next requests queue, and the next batch takes them all in one transaction
(one `INSERT ... ON CONFLICT DO NOTHING RETURNING`). Each request still waits for the commit
of the batch that holds it.

One row the database refuses must not cost the rest of its batch: when a batch fails on its
rows' values (not because the database is down), it is split in halves and each half is
committed alone, down to the refused row, which fails by itself (log2 of the batch size more
commits per refused row). A request that stopped waiting (its deadline passed, it answered
503) is left out of the batches still to come.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite

from integrations.errors import IntegrationError
from integrations.logging import bind_trace_id, get_logger
from integrations.storage.availability import error_line, is_outage
from integrations.storage.db import Database
from integrations.storage.tables import UtcDateTime, utcnow
from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["EventNotStoredError", "IncomingEvent", "WebhookInbox"]

_log = get_logger()

_POSTGRES_INSERT = text(
    """
    INSERT INTO webhook_events (integration, event_id, dedupe_key, event_type, status,
        signature_valid, headers, body, attempts, attempt_log, trace_id, received_at,
        next_attempt_at)
    SELECT r.i, r.e, r.k, r.t, 'pending', TRUE, r.h, decode(r.b, 'hex'), 0,
        CAST('[]' AS json), r.tr, :now, :now
    FROM json_to_recordset(CAST(:rows AS json)) AS r (i text, e text, k text, t text, h json,
        b text, tr text)
    ON CONFLICT (integration, dedupe_key) DO NOTHING
    RETURNING integration, dedupe_key
    """
).bindparams(bindparam("now", type_=UtcDateTime()))


class EventNotStoredError(IntegrationError):
    """The database refused this delivery's row; the rest of its batch was stored."""

    http_status = 500
    code = "event_not_stored"


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """A verified delivery about to be stored; `dedupe_key` defaults to the event id."""

    integration: str
    event_id: str
    event_type: str | None
    headers: dict[str, Any]
    body: bytes
    trace_id: str | None = None
    dedupe_key: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What makes two deliveries the same: (integration, dedupe key)."""
        return self.integration, self.dedupe_key or self.event_id


@dataclass(slots=True)
class _Waiting:
    event: IncomingEvent
    done: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def _is_row_error(error: BaseException) -> bool:
    """True when a batch failed on the values of some row, so its other rows can commit."""
    if isinstance(error, sa_exc.IntegrityError | sa_exc.DataError):
        return True
    # Raised while binding or encoding parameters, before the database saw the statement.
    bind_error = isinstance(error, sa_exc.StatementError) and not isinstance(
        error, sa_exc.DBAPIError
    )
    return bind_error or isinstance(error, ValueError | TypeError)


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
        self.database = database
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
            .on_conflict_do_nothing(index_elements=["integration", "dedupe_key"])
            .returning(table.c.integration, table.c.dedupe_key)
        )

    async def store(self, event: IncomingEvent) -> bool:
        """Store `event` and wait for its commit: True when new, False for a duplicate.

        Cancelling the wait (a request deadline) leaves the event out of later batches.

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
            batch = [w for w in batch if not w.done.done()]  # their requests gave up
            if batch and await self._write(batch) and self.on_stored is not None:
                self.on_stored()

    async def _write(self, batch: list[_Waiting]) -> bool:
        """Commit `batch`, isolating refused rows; True when it stored any new event."""
        try:
            async with self.database.statement_deadline():
                inserted = await self._commit([w.event for w in batch])
        except Exception as exc:
            if len(batch) > 1 and _is_row_error(exc):
                middle = len(batch) // 2
                stored = await self._write(batch[:middle])
                return await self._write(batch[middle:]) or stored
            self._fail(batch, exc)
            return False
        new = bool(inserted)
        for waiting in batch:
            if not waiting.done.done():
                waiting.done.set_result(waiting.event.key in inserted)
                inserted.discard(waiting.event.key)  # a second copy in the batch is a duplicate
        return new

    @staticmethod
    def _fail(batch: list[_Waiting], error: Exception) -> None:
        if len(batch) == 1 and _is_row_error(error):
            event = batch[0].event
            with bind_trace_id(event.trace_id):  # the request's, not the writer task's
                _log.error(
                    "webhook.store_refused",
                    integration=event.integration,
                    event_id=event.event_id,
                    error=error_line(error),
                )
            # The database's words stay in the log: the sender learns only that it failed.
            error = EventNotStoredError("the database refused this delivery; nothing was stored")
        elif not is_outage(error):  # an outage is logged once, by the database's availability
            _log.error("webhook.store_failed", events=len(batch), error=repr(error))
        for waiting in batch:
            if not waiting.done.done():
                waiting.done.set_exception(error)

    async def _commit(self, events: list[IncomingEvent]) -> set[tuple[str, str]]:
        """Insert `events` in one transaction; the keys of those that were new."""
        if not self.database.is_sqlite:
            return await self._commit_postgres(events)
        now = utcnow()
        rows: list[dict[str, Any]] = [
            {
                "integration": e.integration,
                "event_id": e.event_id,
                "dedupe_key": e.key[1],
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
        async with self.database.engine.begin() as connection:
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
                    "k": e.key[1],
                    "t": e.event_type,
                    "h": e.headers,
                    "b": e.body.hex(),
                    "tr": e.trace_id,
                }
                for e in events
            ]
        )
        async with self.database.engine.begin() as connection:
            result = await connection.execute(_POSTGRES_INSERT, {"rows": rows, "now": utcnow()})
            return {(r[0], r[1]) for r in result}
