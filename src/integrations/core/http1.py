"""The `native` engine: HTTP/1.1 straight on asyncio, answers parsed by httptools (llhttp).

aiohttp's client spends ≈ 100 µs of Python per request on features the pipeline does not use
(cookie jars, tracing signals, redirect handling, multidict headers, its own timeouts), and the
adapter then converts its answer back to httpx. This engine writes the httpx request's bytes
as they are and builds the httpx response from the parsed ones: a fraction of the CPU, so the
whole pipeline over it costs less than a bare aiohttp call (`bench/pipeline_overhead.py`).

Scope, on purpose: HTTP/1.1 (and 1.0 answers), keep-alive pool per origin, TLS through the
`ssl` module, connect/read/write/pool timeouts, http:// proxies from the environment
(`http1_proxy.py`), no pipelining, no HTTP/2, no redirects (the pipeline's transports never
follow them). Failures raise the httpx exception httpx's own transport would raise.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Mapping

import httpx

from integrations.core.engines_common import build_response, header_triples, timeouts
from integrations.core.http1_connection import NO_ANSWER, H1Connection
from integrations.core.http1_proxy import Proxies, open_tunnel

__all__ = ["NativeTransport"]

Origin = tuple[bytes, bytes, int]  # raw scheme, raw (IDNA-encoded) host, port
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})


class NativeTransport(httpx.AsyncBaseTransport):
    """A pool of `H1Connection`s: at most `max_connections` open, idle ones reused.

    Args:
        max_connections: open connections across all origins.
        timeout: the default when a request carries no timeout extension.
        keepalive_expiry: idle connections older than this are closed, not reused.
        ssl_context: for https origins (default: the system's verified context).
        proxies: scheme → proxy URL (and "no" → bypass list); default: the environment's
            `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        timeout: float = 30.0,
        keepalive_expiry: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> None:
        self._max = max_connections
        self._timeout = timeout
        self._expiry = keepalive_expiry
        self._ssl = ssl_context
        self._idle: dict[Origin, list[H1Connection]] = {}
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self._proxies = Proxies(proxies) if proxies is not None else Proxies.from_environment()
        self._last_timeout: tuple[object, tuple[float, float, float, float]] = (
            object(),
            (0.0, 0.0, 0.0, 0.0),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        connect, read, write, pool = self._timeouts_of(request)
        url = request.url
        # Raw bytes: `url.host` would decode (and IDNA-check) the host on every request.
        scheme = url.raw_scheme
        origin = (scheme, url.raw_host, url.port or (443 if scheme == b"https" else 80))
        body = await request.aread()
        conn, reused = await self._acquire(origin, connect, pool)
        wire = _wire(request, body, conn)
        try:
            answer = await conn.send(request, wire, read, write)
        except httpx.RemoteProtocolError as exc:
            self._release(conn, reusable=False)
            stale = reused and not conn.received_any and str(exc) == NO_ANSWER
            if not (stale and request.method in _IDEMPOTENT):
                raise
            # A kept-alive connection the server had already closed: once more on a new one.
            conn, _ = await self._acquire(origin, connect, pool, fresh=True)
            try:
                answer = await conn.send(request, wire, read, write)
            except BaseException:
                self._release(conn, reusable=False)
                raise
        except BaseException:
            self._release(conn, reusable=False)
            raise
        self._release(conn, reusable=answer.keep_alive)
        return build_response(
            request, answer.status, answer.headers, answer.body, answer.http_version, answer.reason
        )

    def _timeouts_of(self, request: httpx.Request) -> tuple[float, float, float, float]:
        """`timeouts()`, remembered for the last timeout dict seen: a client passes the same
        dict with every request and never changes it (BaseIntegration builds it once)."""
        given = request.extensions.get("timeout")
        if given is None or given is not self._last_timeout[0]:
            self._last_timeout = (given, timeouts(request, self._timeout))
        return self._last_timeout[1]

    async def _acquire(
        self, origin: Origin, connect: float, pool: float, *, fresh: bool = False
    ) -> tuple[H1Connection, bool]:
        """An idle connection to `origin` (reused=True) or a new one, waiting for room."""
        if self._closed:
            raise RuntimeError("the transport is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + pool
        while True:
            idle = self._idle.get(origin)
            while idle and not fresh:
                conn = idle.pop()
                if not conn.closed and loop.time() - conn.idle_since < self._expiry:
                    return conn, True
                self._discard(conn)
            if self._open < self._max or self._evict_one():
                self._open += 1  # the slot is taken before the await: no overbooking
                try:
                    return await self._connect(origin, connect), False
                except BaseException:
                    self._open -= 1
                    self._wake()
                    raise
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except BaseException as exc:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._wake()  # woken but leaving: the room it was given goes to the next
                if isinstance(exc, TimeoutError):
                    raise httpx.PoolTimeout("no connection free in the pool in time") from None
                raise

    async def _connect(self, origin: Origin, connect_timeout: float) -> H1Connection:
        raw_scheme, raw_host, port = origin
        host = raw_host.decode("ascii")
        loop = asyncio.get_running_loop()
        tls = raw_scheme == b"https"
        if tls and self._ssl is None:
            self._ssl = ssl.create_default_context()
        route = self._proxies.route(raw_scheme.decode(), host, port) if self._proxies else None
        conn: H1Connection | None = None
        try:
            async with asyncio.timeout(connect_timeout):
                if route is None:
                    transport, conn = await loop.create_connection(
                        lambda: H1Connection(loop),
                        host,
                        port,
                        ssl=self._ssl if tls else None,
                        server_hostname=host if tls else None,
                    )
                    conn.attach(transport)
                else:
                    transport, conn = await loop.create_connection(
                        lambda: H1Connection(loop), route.host, route.port
                    )
                    conn.attach(transport)
                    if tls:
                        assert self._ssl is not None
                        await open_tunnel(conn, host, port, route, self._ssl, connect_timeout)
                    else:
                        conn.forward_proxy = True
                        conn.proxy_authorization = route.authorization
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, TimeoutError):
                raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from None
            if isinstance(exc, OSError):  # refused, unreachable, DNS, TLS handshake failure
                raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
            raise
        conn.origin, conn.counted = origin, True
        return conn

    def _release(self, conn: H1Connection, *, reusable: bool) -> None:
        if reusable and not conn.closed and not self._closed:
            conn.idle_since = conn.loop.time()
            origin = conn.origin
            self._idle.setdefault(origin, []).append(conn)
        else:
            self._discard(conn)
        self._wake()

    def _discard(self, conn: H1Connection) -> None:
        if not conn.counted:
            return
        conn.counted = False
        conn.close()
        self._open -= 1

    def _evict_one(self) -> bool:
        """Close one idle connection of any origin to make room; False when none is idle."""
        for idle in self._idle.values():
            if idle:
                self._discard(idle.pop(0))
                return self._open < self._max
        return False

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                self._discard(conn)
        self._idle.clear()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError("the transport is closed"))


def _wire(request: httpx.Request, body: bytes, conn: H1Connection) -> bytes:
    """The request's bytes as they go on the wire: request line, headers, body."""
    url = request.url
    target = url.raw_path
    if conn.forward_proxy:  # absolute form, for the proxy to know where to go
        target = url.raw_scheme + b"://" + url.netloc + target
    head = [request.method.encode(), b" ", target, b" HTTP/1.1\r\n"]
    if conn.proxy_authorization is not None:
        head += (b"Proxy-Authorization: ", conn.proxy_authorization, b"\r\n")
    chunked = False
    for name, lowered, value in header_triples(request.headers):
        head += (name, b": ", value, b"\r\n")
        if lowered == b"transfer-encoding" and value.lower() == b"chunked":
            chunked = True
    head.append(b"\r\n")
    if chunked:  # httpx asked for chunked framing (a stream of unknown length): one chunk
        if body:
            head += (b"%x\r\n" % len(body), body, b"\r\n")
        head.append(b"0\r\n\r\n")
    elif body:
        head.append(body)
    return b"".join(head)
