"""HTTP engines under the pipeline, all behind `httpx.AsyncBaseTransport`.

The layers speak httpx's transport interface, so the engine that moves bytes can be swapped:
httpx's own transport, aiohttp, or httpx2. `bench/pipeline_overhead.py` measures them side by
side; the default is the fastest one that passes the suite (see `DEFAULT_ENGINE`).
"""

from __future__ import annotations

from typing import Any, Literal

import httpx

__all__ = [
    "DEFAULT_ENGINE",
    "AiohttpTransport",
    "EngineName",
    "Httpx2Transport",
    "create_transport",
]

EngineName = Literal["httpx", "aiohttp", "httpx2"]
DEFAULT_ENGINE: EngineName = "aiohttp"


def _timeouts(request: httpx.Request, default: float) -> tuple[float, float]:
    timeout: dict[str, float | None] = request.extensions.get("timeout") or {}
    read = timeout.get("read") or default
    connect = timeout.get("connect") or min(read, default)
    return float(read), float(connect)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent by one shared `aiohttp.ClientSession`.

    Bodies are not decompressed by aiohttp: httpx decodes them from the headers, as it
    would with its own transport.
    """

    def __init__(self, *, max_connections: int = 100, timeout: float = 30.0) -> None:
        self._max_connections = max_connections
        self._timeout = timeout
        self._session: Any = None

    def _open(self) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._max_connections, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",)
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        session = self._open()
        read, connect = _timeouts(request, self._timeout)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read)
        try:
            async with session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=request.content or None,
                allow_redirects=False,
                timeout=timeout,
            ) as answer:
                body = await answer.read()
                headers = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in answer.raw_headers
                ]
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except aiohttp.ClientError as exc:
            raise httpx.RemoteProtocolError(
                str(exc) or type(exc).__name__, request=request
            ) from exc
        return httpx.Response(answer.status, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class Httpx2Transport(httpx.AsyncBaseTransport):
    """httpx requests sent through httpx2's transport (the httpcore2 connection pool)."""

    def __init__(self, *, max_connections: int = 100, timeout: float = 30.0) -> None:
        import httpx2

        self._httpx2 = httpx2
        self._timeout = timeout
        self._client = httpx2.AsyncClient(
            limits=httpx2.Limits(max_connections=max_connections), timeout=timeout
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        h2 = self._httpx2
        read, connect = _timeouts(request, self._timeout)
        try:
            answer = await self._client.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                content=request.content,
                timeout=h2.Timeout(read, connect=connect),
            )
        except h2.TimeoutException as exc:
            raise httpx.ReadTimeout(str(exc), request=request) from exc
        except h2.ConnectError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc
        except h2.TransportError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        headers = [
            (k, v)
            for k, v in answer.headers.multi_items()
            if k.lower() not in {"content-encoding", "content-length"}
        ]
        return httpx.Response(
            answer.status_code, headers=headers, content=answer.content, request=request
        )

    async def aclose(self) -> None:
        await self._client.aclose()


def create_transport(
    engine: EngineName = DEFAULT_ENGINE, *, max_connections: int = 100, timeout: float = 30.0
) -> httpx.AsyncBaseTransport:
    """The bottom transport for `engine`."""
    if engine == "aiohttp":
        return AiohttpTransport(max_connections=max_connections, timeout=timeout)
    if engine == "httpx2":
        return Httpx2Transport(max_connections=max_connections, timeout=timeout)
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    return httpx.AsyncHTTPTransport(limits=limits)
