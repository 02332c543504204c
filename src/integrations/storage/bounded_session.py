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

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from integrations.storage.db import Database

__all__ = ["BoundedSession"]


class BoundedSession(AsyncSession):
    """An `AsyncSession` bounded by `database.statement_deadline()`.

    Args:
        database: whose statement timeout and availability apply.
        **kwargs: as for `AsyncSession`.
    """

    def __init__(self, *args: Any, database: Database, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.database = database

    @contextlib.asynccontextmanager
    async def _bounded(self) -> AsyncIterator[None]:
        try:
            async with self.database.statement_deadline():
                yield
        except TimeoutError as exc:
            raise self.database.unavailable(exc) from None

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._bounded():
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._bounded():
            return await super().scalar(*args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        async with self._bounded():
            return await super().scalars(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._bounded():
            return await super().get(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        async with self._bounded():
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        async with self._bounded():
            await super().commit()

    async def refresh(self, *args: Any, **kwargs: Any) -> None:
        async with self._bounded():
            await super().refresh(*args, **kwargs)
