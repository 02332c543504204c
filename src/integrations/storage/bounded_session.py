"""Sessions whose round trips to PostgreSQL give up after the statement timeout.

A stopped PostgreSQL (SIGSTOP, a hung host) accepts bytes and never answers, so neither its
own `statement_timeout` nor TCP ends the wait: an admin request on a pooled connection hung
until the server came back. Every session of `Database.sessions` is a `BoundedSession`, so the
admin API, the webhook handlers and every other user get the bound without asking for it: a
statement (or the connection check before it) that outlasts the statement timeout is
cancelled and raises `DatabaseUnavailableError` (503 at the API). psycopg answers the
cancellation by asking the server to cancel and, failing that, closing the connection, which
on a stopped server takes up to 10 s more: such a request is answered in at most the
statement timeout plus 10 s. Nothing changes on SQLite, which bounds its own waits.

What is bounded: `execute`, `scalar`, `scalars`, `get`, `flush`, `commit`, `refresh`. The
commit at the end of `async with session.begin()` is not (SQLAlchemy runs it on the
transaction object); a stall that begins exactly between the last statement and it waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from integrations.storage.db import Database

__all__ = ["BoundedSession"]

T = TypeVar("T")


class BoundedSession(AsyncSession):
    """An `AsyncSession` bounded by its database's statement timeout (PostgreSQL).

    Args:
        database: whose statement timeout and availability apply.
        **kwargs: as for `AsyncSession`.
    """

    def __init__(self, *args: Any, database: Database, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.database = database
        self._timeout = None if database.is_sqlite else database.statement_timeout

    async def _within(self, call: Awaitable[T]) -> T:
        # A plain await on SQLite: the worker's batches make several calls per event, and a
        # context manager per call would cost more than the rest of some of them.
        if self._timeout is None:
            return await call
        try:
            async with asyncio.timeout(self._timeout):
                return await call
        except TimeoutError as exc:
            raise self.database.unavailable(exc) from None

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._within(super().execute(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._within(super().scalar(*args, **kwargs))

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await self._within(super().scalars(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._within(super().get(*args, **kwargs))

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self._within(super().flush(*args, **kwargs))

    async def commit(self) -> None:
        await self._within(super().commit())

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        await self._within(super().refresh(*args, **kwargs))
