"""HTTP engines under the pipeline, all behind `httpx.AsyncBaseTransport`.

The layers speak httpx's transport interface, so the engine that moves bytes can be swapped:
httpx's own transport, aiohttp, or httpx2 (its httpcore2 connection pool). `bench/
pipeline_overhead.py` measures them side by side; the default is the fastest one that passes
the suite (see `DEFAULT_ENGINE`).

The adapters behave like httpx's transport: the request's own headers and nothing else go on
the wire (no cookie jar, no default headers, no proxies from the environment), bodies come back
undecoded with the server's headers (httpx decodes gzip/deflate from them when the response is
read), and failures raise the httpx exception httpx's transport would raise (`ConnectError`,
`ConnectTimeout`, `ReadTimeout`, `RemoteProtocolError`, ...). Unlike httpx's transport they read
the whole body before returning; the pipeline reads every body anyway.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx

from integrations.core.engines_common import build_response, timeouts
from integrations.core.http1 import NativeTransport

__all__ = [
    "DEFAULT_ENGINE",
    "AiohttpTransport",
    "EngineName",
    "Httpx2Transport",
    "NativeTransport",
    "create_transport",
]

EngineName = Literal["httpx", "aiohttp", "httpx2", "native"]
DEFAULT_ENGINE: EngineName = "native"

_TIMEOUT_CACHE_MAX = 64


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent by one shared `aiohttp.ClientSession`."""

    def __init__(self, *, max_connections: int = 100, timeout: float = 30.0) -> None:
        import aiohttp
        import yarl

        self._aiohttp = aiohttp  # imported once, not on every request
        self._url = yarl.URL
        self._max_connections = max_connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        # ClientTimeout is immutable: one per distinct (pool, connect, read), not per request.
        self._client_timeouts: dict[tuple[float, float, float], aiohttp.ClientTimeout] = {}

    def _open(self) -> Any:
        aiohttp = self._aiohttp
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes from the headers, as with its own transport
                cookie_jar=aiohttp.DummyCookieJar(),  # httpx's transport keeps no cookies
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                # No trust_env: it would also take credentials from ~/.netrc for every request.
            )
        return self._session

    def _client_timeout(self, connect: float, read: float, pool: float) -> Any:
        key = (pool, connect, read)
        timeout = self._client_timeouts.get(key)
        if timeout is None:
            if len(self._client_timeouts) >= _TIMEOUT_CACHE_MAX:
                self._client_timeouts.clear()
            # `connect` bounds the wait for a pooled connection (httpx's pool timeout).
            timeout = self._aiohttp.ClientTimeout(
                total=None, connect=pool, sock_connect=connect, sock_read=read
            )
            self._client_timeouts[key] = timeout
        return timeout

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        aiohttp = self._aiohttp
        session = self._session
        if session is None or session.closed:
            session = self._open()
        connect, read, _, pool = timeouts(request, self._timeout)
        body = await request.aread()  # a streamed body (multipart) is read once, kept for retries
        encoding = request.headers.encoding
        try:
            async with session.request(
                request.method,
                # httpx's URL is already percent-encoded: yarl need not parse and requote it.
                self._url(str(request.url), encoded=True),
                headers=[(k.decode(encoding), v.decode(encoding)) for k, v in request.headers.raw],
                data=body or None,
                allow_redirects=False,
                timeout=self._client_timeout(connect, read, pool),
            ) as answer:
                content = await answer.read()
                version = answer.version
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ServerDisconnectedError as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from exc
        except aiohttp.ClientOSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(
                str(exc) or type(exc).__name__, request=request
            ) from exc
        http_version = (
            b"HTTP/1.1"
            if version is None or version == (1, 1)
            else f"HTTP/{version.major}.{version.minor}".encode()
        )
        return build_response(
            request,
            answer.status,
            answer.raw_headers,  # bytes pairs: httpx keeps them without decoding and re-encoding
            content,
            http_version,
            (answer.reason or "").encode("ascii", "ignore"),
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class Httpx2Transport(httpx.AsyncBaseTransport):
    """httpx requests sent through httpx2's connection pool (httpcore2).

    This is what `httpx2.AsyncHTTPTransport` does, without converting to and from httpx2's
    request and response models: the pool takes the httpx request's parts directly.
    """

    def __init__(self, *, max_connections: int = 100, timeout: float = 30.0) -> None:
        import httpcore2
        import httpx2

        self._httpcore2 = httpcore2
        self._timeout = timeout
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=5.0,
        )
        # Most specific first, as httpx maps httpcore's exceptions.
        self._errors: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
            (httpcore2.ConnectTimeout, httpx.ConnectTimeout),
            (httpcore2.ReadTimeout, httpx.ReadTimeout),
            (httpcore2.WriteTimeout, httpx.WriteTimeout),
            (httpcore2.PoolTimeout, httpx.PoolTimeout),
            (httpcore2.TimeoutException, httpx.TimeoutException),
            (httpcore2.ConnectError, httpx.ConnectError),
            (httpcore2.ReadError, httpx.ReadError),
            (httpcore2.WriteError, httpx.WriteError),
            (httpcore2.NetworkError, httpx.NetworkError),
            (httpcore2.RemoteProtocolError, httpx.RemoteProtocolError),
            (httpcore2.LocalProtocolError, httpx.LocalProtocolError),
            (httpcore2.ProtocolError, httpx.ProtocolError),
            (httpcore2.ProxyError, httpx.ProxyError),
            (httpcore2.UnsupportedProtocol, httpx.UnsupportedProtocol),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hc = self._httpcore2
        connect, read, write, pool = timeouts(request, self._timeout)
        extensions = dict(request.extensions)
        extensions["timeout"] = {"connect": connect, "read": read, "write": write, "pool": pool}
        url = request.url
        core_request = hc.Request(
            method=request.method,
            url=hc.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=await request.aread(),
            extensions=extensions,
        )
        try:
            answer = await self._pool.handle_async_request(core_request)
            try:
                content = await answer.aread()
            finally:
                await answer.aclose()
        except Exception as exc:
            for core_error, error in self._errors:
                if isinstance(exc, core_error):
                    raise error(str(exc), request=request) from exc
            raise
        ext = answer.extensions
        return build_response(
            request,
            answer.status,
            answer.headers,
            content,
            ext.get("http_version", b"HTTP/1.1"),
            ext.get("reason_phrase", b""),
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def create_transport(
    engine: EngineName = DEFAULT_ENGINE, *, max_connections: int = 100, timeout: float = 30.0
) -> httpx.AsyncBaseTransport:
    """The bottom transport for `engine`."""
    if engine == "native":
        return NativeTransport(max_connections=max_connections, timeout=timeout)
    if engine == "aiohttp":
        return AiohttpTransport(max_connections=max_connections, timeout=timeout)
    if engine == "httpx2":
        return Httpx2Transport(max_connections=max_connections, timeout=timeout)
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncHTTPTransport(limits=limits)
