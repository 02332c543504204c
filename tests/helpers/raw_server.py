"""A loopback HTTP server scripted byte for byte, for what a well-behaved server never does.

`serving(respond)` starts `asyncio.start_server` on 127.0.0.1 in the test's own loop. For
every raw request it reads (head plus Content-Length body) it calls `respond(connection,
raw)`, which returns the exact bytes to answer, an async iterable of chunks to write one at
a time (a trickle), or None to close the socket without answering. An answer ending in
`CLOSE` is written and then the socket is closed. The server counts the TCP connections it
accepts and keeps every raw request, so reuse and framing are checked on the wire, and
`close_connections()` closes every open connection as a server's idle timeout would.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

__all__ = ["CLOSE", "RawServer", "Responder", "ok", "serving"]

Answer = bytes | AsyncIterable[bytes] | None
Responder = Callable[[int, bytes], Answer | Awaitable[Answer]]
CLOSE = b"<close>"  # appended to an answer: the server closes the socket right after it
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)")


def ok(body: bytes, *headers: bytes) -> bytes:
    """A complete `200 OK` answer with a Content-Length and the given raw header lines."""
    head = b"".join(h + b"\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\n%bContent-Length: %d\r\n\r\n%b" % (head, len(body), body)


class RawServer:
    """Accepted connections (numbered from 1) and the raw requests, in arrival order."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""
        self._handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        task = asyncio.current_task()
        if task is not None:  # always, inside a handler
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            while (raw := await _read_request(reader)) is not None:
                self.requests.append(raw)
                answer = self.respond(number, raw)
                if inspect.isawaitable(answer):
                    answer = await answer
                if answer is None or not await _write(writer, answer):
                    return
        except (ConnectionError, asyncio.CancelledError):
            return  # the client went away, or the test ended mid-answer
        finally:
            writer.close()
            with contextlib.suppress(Exception):  # a reset connection is closed all the same
                await writer.wait_closed()

    async def close_connections(self) -> None:
        """Close every open connection and return once its socket is closed (the peer has
        its FIN); the server goes on accepting new ones."""
        handlers = set(self._handlers)
        for task in handlers:
            task.cancel()
        if handlers:
            await asyncio.wait(handlers, timeout=2)


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = _CONTENT_LENGTH.search(head)
        body = await reader.readexactly(int(length[1])) if length else b""
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    return head + body


async def _write(writer: asyncio.StreamWriter, answer: bytes | AsyncIterable[bytes]) -> bool:
    """Write one answer; False when the connection must close after it."""
    if isinstance(answer, bytes):
        writer.write(answer.removesuffix(CLOSE))
        await writer.drain()
        return not answer.endswith(CLOSE)
    async for chunk in answer:
        writer.write(chunk)
        await writer.drain()
    return True


@asynccontextmanager
async def serving(
    respond: Responder, *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[RawServer]:
    """A `RawServer` listening on 127.0.0.1 until the block ends.

    Args:
        tls: serve https with this context; `url` then names `localhost`, the usual name in
            a test certificate, instead of `127.0.0.1`.
    """
    server = RawServer(respond)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"https://localhost:{port}" if tls else f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        listener.close()
        await server.close_connections()
        await listener.wait_closed()
