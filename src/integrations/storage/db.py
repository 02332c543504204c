"""Database engine and sessions: SQLite under `./var/` by default, PostgreSQL by URL.

SQLite runs in WAL mode with a busy timeout so the API and the background workers of one
process can write concurrently without "database is locked" errors; PostgreSQL uses psycopg 3
(the job engine needs it for deferring jobs in the same transaction as their rows).

A stalled database must not hang the process: PostgreSQL connections open within
`connect_timeout` and run each statement within `statement_timeout` on the server, a pooled
connection is waited for no longer than `statement_timeout`, and `statement_deadline()`
bounds work on the client side too, since a stopped server never enforces its own timeout.
Callers that must answer in time (a webhook delivery, `/healthz`) wait through `deadline()`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from integrations.storage.availability import (
    DatabaseAvailability,
    DatabaseUnavailableError,
    consume_result,
    describe_outage,
    is_outage,
)
from integrations.storage.bounded_session import BoundedSession

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "Database", "create_engine", "is_sqlite", "sqlite_file"]

_SQLITE_BUSY_MS = 30_000
DEFAULT_CONNECT_TIMEOUT = 5
DEFAULT_STATEMENT_TIMEOUT = 5.0


def is_sqlite(url: str) -> bool:
    """True when the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(
    url: str,
    *,
    echo: bool = False,
    connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
    statement_timeout: float | None = None,
) -> AsyncEngine:
    """Create the async engine for `url`, making the SQLite folder when needed.

    Args:
        url: a `sqlite+aiosqlite://` or `postgresql+psycopg://` URL.
        echo: log every SQL statement (debugging only).
        connect_timeout: seconds to open a PostgreSQL connection (libpq's minimum is 2).
        statement_timeout: seconds one PostgreSQL statement may run on the server, and the
            longest wait for a pooled connection; None (migrations) for no limit.
    """
    if is_sqlite(url):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite keeps its 30 s lock wait: a worker batch may hold the write lock for a
        # quarter of its lease, and a delivery's own deadline answers 503 long before.
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    pool: dict[str, Any] = {}
    if statement_timeout is not None:
        connect_args["options"] = f"-c statement_timeout={max(1, round(statement_timeout * 1000))}"
        pool["pool_timeout"] = statement_timeout
    return create_async_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args=connect_args,
        **pool,
    )


class Database:
    """One engine and its session factory; opened once per process, disposed at shutdown.

    Args:
        url: the database URL.
        connect_timeout / statement_timeout: as for `create_engine` (seconds).
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
        statement_timeout: float = DEFAULT_STATEMENT_TIMEOUT,
    ) -> None:
        self.url = url
        self._sqlite = is_sqlite(url)  # read on every statement: parse the URL once
        self.statement_timeout = statement_timeout
        self.engine = create_engine(
            url, echo=echo, connect_timeout=connect_timeout, statement_timeout=statement_timeout
        )
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, class_=BoundedSession, expire_on_commit=False, database=self
        )
        self.availability = DatabaseAvailability()
        self._ping: asyncio.Task[None] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self._sqlite

    def deadline(self) -> asyncio.Timeout:
        """`async with db.deadline():` raises TimeoutError after `statement_timeout`.

        For a caller waiting on database work it does not run itself (a shielded task, a
        future another task completes), so that nothing but the wait is cancelled.
        """
        return asyncio.timeout(self.statement_timeout)

    def statement_deadline(self) -> asyncio.Timeout:
        """The same bound around database work itself, on PostgreSQL only.

        There, psycopg answers the cancellation by asking the server to cancel the statement,
        and closes the connection if it cannot (up to 10 s more on a stopped server, so
        request paths wait on such work through `deadline()`). SQLite bounds its own lock
        waits (the busy timeout), and cancelling aiosqlite mid-statement can leave the write
        lock held by an abandoned connection until it is garbage-collected.
        """
        return asyncio.timeout(None if self.is_sqlite else self.statement_timeout)

    def unavailable(self, error: BaseException) -> DatabaseUnavailableError:
        """Report `error` (an outage) to `availability` and return the error to raise."""
        reason = describe_outage(error, self.statement_timeout)
        self.availability.failed(reason)
        return DatabaseUnavailableError(f"database unavailable: {reason}")

    async def ping(self) -> None:
        """Run `SELECT 1` within the statement timeout; reports the outcome to `availability`.

        Concurrent callers share one probe, and a probe stuck on a stalled server is left to
        finish in the background rather than cancelled under the caller.

        Raises:
            DatabaseUnavailableError: no answer in time, or the connection failed.
        """
        try:
            async with self.deadline():
                await self._probe()
        except Exception as exc:
            if not is_outage(exc):
                raise
            raise self.unavailable(exc) from None
        self.availability.succeeded()

    async def _probe(self) -> None:
        while True:
            probe, joined = self._ping, True
            if probe is None or probe.done():
                probe, joined = asyncio.create_task(self._select_one()), False
                probe.add_done_callback(consume_result)
                self._ping = probe
            try:
                await asyncio.shield(probe)
                return
            except Exception:
                if not joined:
                    raise
                # The probe this call joined began earlier and may have failed before the
                # database came back: try one of its own in the time left.

    async def _select_one(self) -> None:
        async with self.statement_deadline(), self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
