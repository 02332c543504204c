"""The httpx2 engine: httpx requests sent through httpcore2's connection pool."""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from integrations.core.engines_common import build_response, timeouts
from integrations.core.http1_proxy import ProxyRoute

__all__ = ["Httpx2Transport"]


class Httpx2Transport(httpx.AsyncBaseTransport):
    """httpx requests sent through httpx2's connection pool (httpcore2).

    This is what `httpx2.AsyncHTTPTransport` does, without converting to and from httpx2's
    request and response models: the pool takes the httpx request's parts directly.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        proxy: ProxyRoute | None = None,
    ) -> None:
        import httpcore2
        import httpx2

        self._httpcore2 = httpcore2
        self._timeout = timeout
        pool_options: dict[str, Any] = {
            "ssl_context": ssl_context or httpx2.create_ssl_context(),
            "max_connections": max_connections,
            "max_keepalive_connections": max_connections,
            "keepalive_expiry": 5.0,
        }
        self._pool: Any = (
            httpcore2.AsyncHTTPProxy(
                proxy_url=proxy.url,
                proxy_headers=list(proxy.headers.items()) if proxy.headers else None,
                **pool_options,
            )
            if proxy
            else httpcore2.AsyncConnectionPool(**pool_options)
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
