"""HTTP engines under the pipeline, all behind `httpx.AsyncBaseTransport`.

The layers speak httpx's transport interface, so the engine that moves bytes can be swapped:
httpx's own transport, aiohttp, or httpx2 (its httpcore2 connection pool). `bench/
pipeline_overhead.py` measures them side by side; the default is the fastest one that passes
the suite (see `DEFAULT_ENGINE`).

The adapters behave like httpx's transport: the request's own headers and nothing else go on
the wire (no cookie jar, no default headers, no ~/.netrc credentials), bodies come back
undecoded with the server's headers (httpx decodes gzip/deflate from them when the response is
read), and failures raise the httpx exception httpx's transport would raise (`ConnectError`,
`ConnectTimeout`, `ReadTimeout`, `RemoteProtocolError`, ...). Unlike httpx's transport they read
the whole body before returning; the pipeline reads every body anyway.

Every engine goes through the http:// proxies `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` name,
with `NO_PROXY`, read once when the transport is built (`http1_proxy.Proxies`). The native engine
routes each request itself; the library engines get one transport per proxy from
`ProxyRoutingTransport`, since each library binds its pool to one proxy.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Mapping
from typing import Literal

import httpx

from integrations.core.engine_aiohttp import AiohttpTransport
from integrations.core.engine_httpx2 import Httpx2Transport
from integrations.core.http1 import NativeTransport
from integrations.core.http1_proxy import Proxies, ProxyRoute

__all__ = [
    "DEFAULT_ENGINE",
    "AiohttpTransport",
    "EngineName",
    "Httpx2Transport",
    "NativeTransport",
    "ProxyRoutingTransport",
    "create_transport",
]

EngineName = Literal["httpx", "aiohttp", "httpx2", "native"]
DEFAULT_ENGINE: EngineName = "native"


class ProxyRoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request through the transport for its proxy route (None: direct).

    Args:
        proxies: the proxy table.
        make: builds the transport for a route, on first use.
    """

    def __init__(
        self,
        proxies: Proxies,
        make: Callable[[ProxyRoute | None], httpx.AsyncBaseTransport],
    ) -> None:
        self._proxies = proxies
        self._make = make
        self._routes: dict[ProxyRoute | None, httpx.AsyncBaseTransport] = {}
        # Origin → its route's transport: NO_PROXY is matched once per origin, not per call.
        self._origins: dict[tuple[str, str, int | None], httpx.AsyncBaseTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port)
        transport = self._origins.get(origin)
        if transport is None:
            port = url.port or (443 if url.scheme == "https" else 80)
            route = self._proxies.route(url.scheme, url.host, port)
            transport = self._routes.get(route)
            if transport is None:
                transport = self._routes[route] = self._make(route)
            self._origins[origin] = transport
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        self._origins = {}
        routes, self._routes = list(self._routes.values()), {}
        for transport in routes:
            await transport.aclose()


def create_transport(
    engine: EngineName = DEFAULT_ENGINE,
    *,
    max_connections: int = 100,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
    proxies: Mapping[str, str] | None = None,
) -> httpx.AsyncBaseTransport:
    """The bottom transport for `engine`.

    Args:
        ssl_context: for https origins (default: the system's verified context).
        proxies: scheme → proxy URL (and "no" → bypass list); default: the environment's.
    """
    if engine == "native":
        return NativeTransport(
            max_connections=max_connections,
            timeout=timeout,
            ssl_context=ssl_context,
            proxies=proxies,
        )

    def make(route: ProxyRoute | None) -> httpx.AsyncBaseTransport:
        if engine in ("aiohttp", "httpx2"):
            adapter = AiohttpTransport if engine == "aiohttp" else Httpx2Transport
            return adapter(
                max_connections=max_connections,
                timeout=timeout,
                ssl_context=ssl_context,
                proxy=route,
            )
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        proxy = httpx.Proxy(route.url, headers=route.headers) if route else None
        return httpx.AsyncHTTPTransport(
            verify=ssl_context if ssl_context is not None else True, limits=limits, proxy=proxy
        )

    table = Proxies(proxies) if proxies is not None else Proxies.from_environment()
    return make(None) if table is None else ProxyRoutingTransport(table, make)
