"""Call records: one row per logical call, written in batches off the call path.

A call never waits for its log row: records are queued and a background task writes them
in batches (every `flush_interval` or `batch_size` rows), which keeps the pipeline's overhead
near zero even on SQLite. `flush()` and `close()` drain the queue; rows still queued when a
process is killed are lost, which is acceptable for logs (webhooks use a durable inbox).
"""

from __future__ import annotations

import asyncio

from integrations.core.records import CallRecord, CallRecorder, MemoryCallRecorder, RedactedDetails
from integrations.logging import get_logger
from integrations.storage.db import Database
from integrations.storage.tables import CallLogRow

__all__ = [
    "CallRecord",
    "CallRecorder",
    "DatabaseCallRecorder",
    "MemoryCallRecorder",
    "RedactedDetails",
]

_log = get_logger()


class DatabaseCallRecorder:
    """Writes records to `integration_call_logs` in batches.

    Args:
        database: where rows go.
        batch_size: rows per insert.
        flush_interval: seconds between background flushes.
    """

    def __init__(
        self, database: Database, *, batch_size: int = 500, flush_interval: float = 0.5
    ) -> None:
        self._db = database
        self._batch = batch_size
        self._interval = flush_interval
        self._queue: list[CallRecord] = []
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def record(self, record: CallRecord) -> None:
        self._queue.append(record)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._queue:
            await asyncio.sleep(self._interval)
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            while self._queue:
                batch, self._queue = self._queue[: self._batch], self._queue[self._batch :]
                try:
                    async with self._db.sessions.begin() as session:
                        session.add_all(CallLogRow(**r.as_row()) for r in batch)
                except Exception:
                    _log.exception("calllog.write_failed", rows=len(batch))

    async def close(self) -> None:
        await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
