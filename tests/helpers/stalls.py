"""Ways to stall a database in a test, each with `freeze()` and `thaw()`.

`StallingProxy` is a TCP relay on 127.0.0.1 that can stop forwarding: a stopped PostgreSQL
(SIGSTOP) still completes TCP handshakes (the kernel does) but never answers, and the relay
does the same while frozen, without touching the shared server other tests use. It runs its
own event loop in a thread, so a test's loop blocking on the database cannot stall it.

`SqliteWriteLock` holds SQLite's write lock from another connection, which is how SQLite
stalls in practice: every writer waits (up to its busy timeout), readers go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.engine import make_url

__all__ = ["SqliteWriteLock", "Stall", "StallingProxy", "new_threads_finished", "stalling_proxy"]

_CHUNK = 65536
_THREAD_JOIN_S = 10.0
T = TypeVar("T")


class Stall(Protocol):
    """Something that stops the database answering until `thaw()`."""

    def freeze(self) -> None: ...
    def thaw(self) -> None: ...


class StallingProxy:
    """Relays connections to `target` until `freeze()`, and again after `thaw()`."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._relay, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._call(self._shut_down())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def freeze(self) -> None:
        """Stop forwarding: bytes already sent wait here, new connections open but hang."""
        self._loop.call_soon_threadsafe(self._flowing.clear)

    def thaw(self) -> None:
        """Forward again, starting with what waited."""
        self._loop.call_soon_threadsafe(self._flowing.set)

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by this relay's."""
        parts = urlsplit(database_url)
        user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{self.port}"))

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _shut_down(self) -> None:
        # Closing the sockets ends every relay on its own (cancelling them would make
        # asyncio log each cancelled connection handler).
        if self._server is not None:
            self._server.close()
        self._flowing.set()
        for writer in list(self._writers):
            writer.close()
        if self._relays:
            await asyncio.wait(self._relays, timeout=5)

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        self._writers.add(client_w)
        try:
            await self._flowing.wait()
            try:
                server_r, server_w = await asyncio.open_connection(*self._target)
            except OSError:
                return
            self._writers.add(server_w)
            await asyncio.gather(
                self._pump(client_r, server_w),
                self._pump(server_r, client_w),
                return_exceptions=True,
            )
        finally:
            client_w.close()
            self._relays.discard(task)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(_CHUNK):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self._writers.discard(writer)


@contextmanager
def stalling_proxy(database_url: str) -> Iterator[tuple[StallingProxy, str]]:
    """A started relay in front of `database_url`'s server, and the URL through it."""
    parts = urlsplit(database_url)
    proxy = StallingProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.start()
    try:
        yield proxy, proxy.url(database_url)
    finally:
        proxy.stop()


class SqliteWriteLock:
    """Another connection holding the write lock of the SQLite database at `url`."""

    def __init__(self, url: str) -> None:
        self._path = str(make_url(url).database)
        self._holder: sqlite3.Connection | None = None

    def freeze(self) -> None:
        holder = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        holder.execute("BEGIN EXCLUSIVE")
        self._holder = holder

    def thaw(self) -> None:
        if self._holder is not None:
            self._holder.execute("ROLLBACK")
            self._holder.close()
            self._holder = None


@contextlib.asynccontextmanager
async def new_threads_finished() -> AsyncIterator[None]:
    """Wait, at the end of the block, for the threads started in it to end.

    aiosqlite stops the worker thread of a connection that failed to open without awaiting
    it; unless the thread has posted its last result before the test's loop closes, it dies
    with "Event loop is closed" and pytest blames whichever test runs next.
    """
    before = set(threading.enumerate())
    yield
    # By the name CPython gives a thread ("Thread-7 (_connection_worker_thread)"): executor
    # threads started meanwhile never end, so they must not be waited for.
    started = [t for t in threading.enumerate() if t not in before]
    for thread in [t for t in started if t.name.endswith("(_connection_worker_thread)")]:
        await asyncio.to_thread(thread.join, _THREAD_JOIN_S)
