"""The aiohttp engine: httpx requests sent by one shared `aiohttp.ClientSession`."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from integrations.core.engines_common import build_response, timeouts
from integrations.core.http1_proxy import ProxyRoute

__all__ = ["AiohttpTransport"]

_TIMEOUT_CACHE_MAX = 64


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent by one shared `aiohttp.ClientSession`."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: ProxyRoute | None = None,
    ) -> None:
        import aiohttp
        import yarl

        self._aiohttp = aiohttp  # imported once, not on every request
        self._url = yarl.URL
        self._max_connections = max_connections
        self._timeout = timeout
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context is not None else True
        # aiohttp tunnels https origins with CONNECT and sends http ones in absolute form.
        self._proxy = yarl.URL(proxy.url) if proxy else None
        self._proxy_headers = proxy.headers if proxy else None
        self._session: aiohttp.ClientSession | None = None
        # ClientTimeout is immutable: one per distinct (pool, connect, read), not per request.
        self._client_timeouts: dict[tuple[float, float, float], aiohttp.ClientTimeout] = {}

    def _open(self) -> Any:
        aiohttp = self._aiohttp
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, ttl_dns_cache=300, ssl=self._ssl
            )
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
        headers = [(k.decode(encoding), v.decode(encoding)) for k, v in request.headers.raw]
        if self._proxy_headers and request.url.scheme == "http":
            # aiohttp sends proxy_headers on CONNECT only; an http origin's request goes to
            # the proxy itself in absolute form, so its credentials travel with it.
            headers += self._proxy_headers.items()
        try:
            async with session.request(
                request.method,
                # httpx's URL is already percent-encoded: yarl need not parse and requote it.
                self._url(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=self._client_timeout(connect, read, pool),
                proxy=self._proxy,
                proxy_headers=self._proxy_headers,
            ) as answer:
                content = await answer.read()
                version = answer.version
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out", request=request) from exc
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientHttpProxyError as exc:
            raise httpx.ProxyError(
                f"the proxy refused the tunnel: {exc.status} {exc.message}", request=request
            ) from exc
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
