"""The bottom of the pipeline: one `httpx2.AsyncClient` per connector, and the attempt deadline.

Everything that moves bytes is httpx2's: its connection pool (stale kept-alive connections are
detected and replaced), its header validation (a CR, LF or NUL in a header value is refused
before anything is sent), h11's limit on the size of a response head (100 KiB), TLS, HTTP/2
when asked for, and the proxies the environment names (`HTTPS_PROXY`, `HTTP_PROXY`,
`ALL_PROXY`, `NO_PROXY`), which httpx2 reads itself when its client is built with
`trust_env=True`. The client sends only the request's own headers: `send()` adds no default
headers, cookies or credentials.

Two limits httpx2 leaves to the caller are added here, so a hostile or broken server costs a
bounded amount of time and CPU:

- **A deadline per attempt.** httpx2's timeouts bound each network operation, so a server
  that trickles one byte every 0.4 s keeps a 1 s read timeout alive forever. The whole
  attempt, from connect to the last body byte, runs under one deadline.
- **A cap on response header fields** (`MAX_RESPONSE_HEADERS`): 10,000 tiny fields fit
  inside h11's 100 KiB head limit, and every layer above would walk them.
"""

from __future__ import annotations

import asyncio
import ssl

import httpx2

from integrations.errors import ConfigError

__all__ = [
    "ATTEMPT_TIMEOUT",
    "MAX_RESPONSE_HEADERS",
    "ClientTransport",
    "create_transport",
]

ATTEMPT_TIMEOUT = "integrations.attempt_timeout"  # request extension: seconds for one attempt
MAX_RESPONSE_HEADERS = 500  # no vendor sends more than a few dozen


class ClientTransport(httpx2.AsyncBaseTransport):
    """Sends each request through one `httpx2.AsyncClient` and reads the whole answer.

    Args:
        client: the client whose pool, proxies and TLS settings are used; closed with this.
        timeout: seconds one attempt may take, connect to last byte, unless the request's
            `ATTEMPT_TIMEOUT` extension says otherwise.
    """

    def __init__(self, client: httpx2.AsyncClient, *, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        seconds = float(request.extensions.get(ATTEMPT_TIMEOUT) or self._timeout)
        if "timeout" not in request.extensions:  # httpcore2 waits forever without one
            request.extensions["timeout"] = dict.fromkeys(
                ("connect", "read", "write", "pool"), seconds
            )
        try:
            async with asyncio.timeout(seconds):
                response = await self._client.send(request)
        except TimeoutError:
            raise httpx2.ReadTimeout(
                f"the attempt took longer than its {seconds:g} s deadline", request=request
            ) from None
        fields = len(response.headers.raw)
        if fields > MAX_RESPONSE_HEADERS:
            await response.aclose()
            raise httpx2.RemoteProtocolError(
                f"the response has {fields} header fields, more than {MAX_RESPONSE_HEADERS}",
                request=request,
            )
        return response

    async def aclose(self) -> None:
        await self._client.aclose()


def create_transport(
    *,
    timeout: float = 30.0,
    connect_timeout: float | None = None,
    max_connections: int = 100,
    http2: bool = False,
    ssl_context: ssl.SSLContext | None = None,
) -> ClientTransport:
    """The network transport for one connector.

    Args:
        timeout: seconds one attempt may take in all (also each read, write and pool wait).
        connect_timeout: caps the connect phase below `timeout`.
        max_connections: the pool's size (all kept alive between calls).
        http2: offer HTTP/2 to https origins (needs the `h2` package, an extra of httpx2).
        ssl_context: for https origins (default: httpx2's verified context).

    Raises:
        ConfigError: httpx2 cannot build a client from these settings and the environment's
            proxy variables (an unknown proxy scheme, an extra that is not installed).
    """
    connect = min(connect_timeout, timeout) if connect_timeout else timeout
    try:
        client = httpx2.AsyncClient(
            verify=ssl_context if ssl_context is not None else True,
            http2=http2,
            limits=httpx2.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            timeout=httpx2.Timeout(timeout, connect=connect),
            trust_env=True,  # proxies and CA bundle from the environment, as httpx2 reads them
            follow_redirects=False,
        )
    except (ImportError, ValueError) as exc:
        # An unknown proxy scheme, a socks5:// proxy or http2 without their extra installed:
        # settings no call could use, so they fail the build as settings, not as a crash.
        raise ConfigError(
            f"the HTTP client cannot be built from these settings and the proxy variables: {exc}"
        ) from exc
    return ClientTransport(client, timeout=timeout)
