"""One HTTP/1.1 client connection: an asyncio protocol that parses answers with httptools.

The connection sends one request at a time (no pipelining) and resolves a future with the
whole answer. Timeouts are inactivity timeouts, as httpx's are: the read timer restarts
whenever bytes arrive, and while the request body is still leaving the write timeout applies.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import cast

import httptools
import httpx

__all__ = ["Answer", "H1Connection"]

NO_ANSWER = "Server disconnected without sending a response."


@dataclass(slots=True)
class Answer:
    """A complete response as it came off the wire (body de-chunked, not decoded)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    http_version: bytes
    reason: bytes
    keep_alive: bool


class H1Connection(asyncio.Protocol):
    """A keep-alive connection to one origin; `send()` one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._spare_parser: httptools.HttpResponseParser | None = None
        self._future: asyncio.Future[Answer] | None = None
        self._request: httpx.Request | None = None
        # One inactivity timer outlives the requests it watches: arming and cancelling one per
        # request costs ~2.5 µs. It re-arms itself from the last activity while an answer is
        # awaited and lapses when it fires on an idle connection.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._reason = b""
        self._head_only = False
        self._headers_done = False
        self._in_trailers = False
        self._received = False  # any byte of the current answer arrived
        self._last_activity = 0.0
        self._buffered = 0
        self._read_timeout = 0.0
        self._write_timeout = 0.0
        self.closed = False
        self.idle_since = 0.0
        self.origin: tuple[bytes, bytes, int] = (b"", b"", 0)
        self.counted = False  # holds one of the pool's `max_connections` slots
        # Through a forward proxy (http origins): requests go in absolute form, with this
        # Proxy-Authorization value when the proxy wants one.
        self.forward_proxy = False
        self.proxy_authorization: bytes | None = None

    # -- asyncio.Protocol --------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio.Transport, only alike.
        self._transport = cast(asyncio.Transport, transport)

    def attach(self, transport: asyncio.BaseTransport) -> None:
        """Take the transport `create_connection` returned: uvloop may hand the connection
        back before it has called `connection_made`."""
        if self._transport is None:
            self.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._parser is None:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self._received = True
        self._last_activity = self.loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"malformed answer: {exc}", request=self._request))
            self.close()

    def eof_received(self) -> bool:
        return False  # the transport closes itself; connection_lost settles any waiter

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._stop_timer()
        if self._future is None or self._future.done():
            return
        if self._headers_done and not self._framed():  # a body delimited by the close itself
            self._complete(keep_alive=False)
            return
        message = NO_ANSWER if not self._received else "Server disconnected mid-answer."
        self._fail(httpx.RemoteProtocolError(message, request=self._request))

    # -- httptools callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._headers, self._body, self._headers_done = [], [], False
        self._in_trailers = False

    def on_status(self, reason: bytes) -> None:
        self._reason = reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._in_trailers:  # trailer fields after a chunked body are not headers
            self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        parser = self._parser
        assert parser is not None
        status = parser.get_status_code()
        self._headers_done = status >= 200 or status == 101
        self._in_trailers = True
        if self._head_only and self._headers_done:
            # A tunnel's 2xx has no length: llhttp would read it as "until close".
            tunnel = self._request is not None and self._request.method == "CONNECT"
            self._complete(keep_alive=parser.should_keep_alive() or (tunnel and status < 300))

    def _framed(self) -> bool:
        """Whether the answer says where its body ends (a length, chunks, or no body)."""
        parser = self._parser
        if parser is not None and parser.get_status_code() in (204, 304):
            return True
        return any(n.lower() in (b"content-length", b"transfer-encoding") for n, _ in self._headers)

    def on_body(self, chunk: bytes) -> None:
        self._body.append(chunk)

    def on_message_complete(self) -> None:
        parser = self._parser
        if parser is not None and self._headers_done:  # not the end of a 1xx interim answer
            self._complete(keep_alive=parser.should_keep_alive())

    # -- the client side ---------------------------------------------------------------------

    def send(
        self, request: httpx.Request, wire: bytes, read_timeout: float, write_timeout: float
    ) -> asyncio.Future[Answer]:
        """Write `wire` (head and body) and return the future of the answer."""
        transport = self._transport
        assert transport is not None
        assert not self.closed
        self._request = request
        # llhttp parses one answer after another on a connection; only an answer to HEAD
        # (headers that announce a body never sent) leaves it mid-message.
        if self._spare_parser is None:
            self._spare_parser = httptools.HttpResponseParser(self)
        self._parser = self._spare_parser
        # HEAD, and CONNECT (a tunnel's answer ends with its headers).
        self._head_only = request.method in ("HEAD", "CONNECT")
        if self._head_only:
            self._spare_parser = None
        self._headers, self._body, self._reason = [], [], b""
        self._headers_done = self._received = False
        future: asyncio.Future[Answer] = self.loop.create_future()
        self._future = future
        self._read_timeout, self._write_timeout = read_timeout, write_timeout
        self._last_activity = self.loop.time()
        self._buffered = 0
        deadline = self._last_activity + read_timeout
        if self._timer is None or self._timer_at > deadline:  # the armed one fires too late
            self._arm_timer(deadline)
        transport.write(wire)
        return future

    def _arm_timer(self, when: float) -> None:
        self._stop_timer()
        self._timer, self._timer_at = self.loop.call_at(when, self._check_timeout), when

    def _check_timeout(self) -> None:
        self._timer = None
        transport = self._transport
        if self._future is None or self._future.done() or transport is None:
            return
        now = self.loop.time()
        buffered = transport.get_write_buffer_size()
        if buffered and buffered != self._buffered:  # the body is still leaving: progress
            self._buffered, self._last_activity = buffered, now
        limit = self._write_timeout if buffered else self._read_timeout
        if now - self._last_activity < limit:
            self._arm_timer(self._last_activity + limit)
            return
        error: httpx.TimeoutException = (
            httpx.WriteTimeout("write timed out", request=self._request)
            if buffered
            else httpx.ReadTimeout("read timed out", request=self._request)
        )
        self._fail(error)
        self.close()

    def _complete(self, *, keep_alive: bool) -> None:
        parser, future = self._parser, self._future
        assert parser is not None
        assert future is not None
        self._parser = None
        if future.done():
            return
        body = self._body[0] if len(self._body) == 1 else b"".join(self._body)
        version = b"HTTP/" + parser.get_http_version().encode()
        status = parser.get_status_code()
        future.set_result(Answer(status, self._headers, body, version, self._reason, keep_alive))
        if not keep_alive:
            self.close()

    def _fail(self, error: Exception) -> None:
        self._stop_timer()
        self._parser = self._spare_parser = None  # its state is unknown now
        if self._future is not None and not self._future.done():
            self._future.set_exception(error)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    @property
    def transport(self) -> asyncio.Transport:
        """The connection's transport (to start TLS on, after a proxy tunnel)."""
        assert self._transport is not None
        return self._transport

    @property
    def received_any(self) -> bool:
        """Whether the current (or last) answer sent any byte before it ended."""
        return self._received

    def close(self) -> None:
        """Close the socket; a pending answer fails with RemoteProtocolError."""
        self.closed = True
        self._stop_timer()
        if self._transport is not None:
            self._transport.close()
