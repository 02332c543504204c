"""A small forward and CONNECT proxy on 127.0.0.1 that records the request heads it receives.

For each new connection it reads one request head and keeps it in `heads`. Without the
`required` Proxy-Authorization value it answers 407 and closes. A CONNECT opens a tunnel to
the named host; any other method is forwarded, head and all, to the origin named in the
absolute-form request line. Both ways are then piped as they are until either side closes,
so later requests on a kept-alive connection reach the origin without a new head here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["RecordingProxy", "proxying"]

_REFUSED = b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"


class RecordingProxy:
    """Forwards or tunnels each connection; refuses those without `required` credentials."""

    def __init__(self, required: bytes | None = None) -> None:
        self.required = required
        self.heads: list[bytes] = []
        self.url = ""
        self._handlers: set[asyncio.Task[None]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:  # always, inside a handler
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            self.heads.append(head)
            if self.required is not None and b"Proxy-Authorization: " + self.required not in head:
                writer.write(_REFUSED)
                await writer.drain()
                return
            up_reader, up_writer = await self._open_upstream(head, writer)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, OSError, asyncio.CancelledError):
            return  # the client left, the origin is unreachable, or the test ended
        finally:
            writer.close()

    async def _open_upstream(
        self, head: bytes, client: asyncio.StreamWriter
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        method, target, _ = head.split(b" ", 2)
        if method == b"CONNECT":  # target is host:port
            host, _, port = target.decode().rpartition(":")
            upstream = await asyncio.open_connection(host, int(port))
            client.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            return upstream
        authority = target.split(b"/")[2].decode()  # http://host:port/path
        host, _, port = authority.rpartition(":")
        upstream = await asyncio.open_connection(host, int(port or 80))
        upstream[1].write(head)
        return upstream

    async def close_connections(self) -> None:
        """End every tunnel and forward still open."""
        handlers = set(self._handlers)
        for task in handlers:
            task.cancel()
        if handlers:
            await asyncio.wait(handlers, timeout=2)


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


@asynccontextmanager
async def proxying(required: bytes | None = None) -> AsyncIterator[RecordingProxy]:
    """A `RecordingProxy` on 127.0.0.1 (its `url` is `http://127.0.0.1:<port>`)."""
    proxy = RecordingProxy(required)
    listener = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:
        listener.close()
        await proxy.close_connections()
        with contextlib.suppress(Exception):
            await listener.wait_closed()
