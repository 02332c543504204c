"""Issue 11's transport acceptance: the whole pipeline against servers scripted byte for byte.

Each test runs a real `BaseIntegration` (the bottom transport `create_transport()` builds, no
mock) against `tests.helpers.raw_server` on 127.0.0.1, which answers with exactly the bytes a
broken or hostile server would send and records what reached it. Every client makes one
attempt per call, so a retry can never hide a failure.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import httpx2
import pytest

from integrations.core.spec import AuthSpec, ProviderSpec, RetrySpec
from integrations.core.transport import create_transport
from integrations.errors import (
    ConnectError,
    IntegrationError,
    RequestTimeoutError,
    error_for_transport,
)
from tests.helpers.pipeline import DemoIntegration
from tests.helpers.raw_server import CLOSE, ok, serving

pytestmark = pytest.mark.integration

INJECTING = "sk_9f8e7d6c\r\nX-Injected: yes"
# 9,999 tiny fields and a Content-Length: 10,000 fields in 60 KB, well inside h11's 100 KiB
# head limit, so only the transport's field cap can refuse them.
MANY_FIELDS = b"HTTP/1.1 200 OK\r\n" + b"A: 1\r\n" * 9_999 + b"Content-Length: 2\r\n\r\n{}"
HUGE_LINE = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 1_048_576 + b"\r\nContent-Length: 2\r\n\r\n{}"


def _client(url: str, *, timeout: float = 5.0) -> DemoIntegration:
    """A connector on `url` over the real network transport, one attempt per call."""
    spec = ProviderSpec(
        name="acme",
        base_url=url,
        auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer "),
        retry=RetrySpec(max_attempts=1),
        timeout_seconds=timeout,
        cache_ttl_seconds=0.0,
    )
    return DemoIntegration(spec, credentials={"api_key": "sk_valid_0123"})


@pytest.mark.parametrize("carrier", ["credential", "header"])
async def test_a_header_value_with_crlf_never_reaches_the_server(carrier: str) -> None:
    """A credential (as a token refresh would set it) or a header carrying CR LF is refused
    at call time with an error naming the problem, without the value; no request arrives."""
    async with serving(lambda n, raw: ok(b"{}")) as server:
        client = _client(server.url)
        headers: dict[str, str] = {}
        if carrier == "credential":
            client.credentials["api_key"] = INJECTING
        else:
            headers["X-Api-Key"] = INJECTING
        try:
            with pytest.raises(IntegrationError) as info:
                await client.request("GET", "/items", operation="list_items", headers=headers)
        finally:
            await client.aclose()
    assert server.requests == []
    message = str(info.value)
    assert message.startswith("acme: ") and "header" in message.lower(), message
    assert "sk_9f8e7d6c" not in message and "X-Injected" not in message


async def test_the_transport_itself_refuses_a_crlf_header_value() -> None:
    """Below every check of ours, the transport refuses a CR LF header value before a byte of
    the request is written, and the pipeline's message keeps the value out."""
    async with serving(lambda n, raw: ok(b"{}")) as server:
        transport = create_transport(timeout=5.0)
        request = httpx2.Request("GET", server.url, headers={"Authorization": INJECTING})
        try:
            with pytest.raises(httpx2.LocalProtocolError) as info:
                await transport.handle_async_request(request)
        finally:
            await transport.aclose()
    assert server.requests == []
    error = error_for_transport(info.value, provider="acme")
    assert str(error) == "acme: the request could not be sent: Illegal header value"


async def test_a_server_closing_after_every_answer_fails_no_call() -> None:
    """200 sequential POSTs to a server that promises keep-alive, answers, then closes each
    connection: every call succeeds, and each request arrived once, whole."""
    answer = ok(b'{"ok": true}', b"Connection: keep-alive", b"Keep-Alive: timeout=5") + CLOSE
    failures: list[IntegrationError] = []
    async with serving(lambda n, raw: answer) as server:
        client = _client(server.url)
        try:
            for n in range(200):
                try:
                    await client.request("POST", "/items", operation="create", json={"n": n})
                except IntegrationError as exc:
                    failures.append(exc)
        finally:
            await client.aclose()
    assert failures == []
    assert len(server.requests) == 200 and server.connections == 200
    bodies = [json.loads(raw.partition(b"\r\n\r\n")[2]) for raw in server.requests]
    assert bodies == [{"n": n} for n in range(200)]


async def test_a_trickling_server_is_cut_at_the_attempt_deadline() -> None:
    """A server sending its head, then one body byte every 0.4 s for 30 s, fails a call with
    `timeout_seconds=1` as RequestTimeoutError within 1.5 s (no single read ever waits 1 s)."""
    sent: list[bytes] = []

    async def trickle() -> AsyncIterator[bytes]:
        yield b"HTTP/1.1 200 OK\r\nContent-Length: 75\r\n\r\n"
        for _ in range(75):
            await asyncio.sleep(0.4)
            sent.append(b"x")
            yield b"x"

    async with serving(lambda n, raw: trickle()) as server:
        client = _client(server.url, timeout=1.0)
        started = time.monotonic()
        try:
            with pytest.raises(RequestTimeoutError, match=r"^acme: the request timed out"):
                await client.request("GET", "/slow", operation="read_slowly")
            elapsed = time.monotonic() - started
        finally:
            await client.aclose()
    assert elapsed <= 1.5, elapsed
    assert len(server.requests) == 1 and len(sent) >= 2  # bytes did flow before the cut


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        pytest.param(
            MANY_FIELDS, "the response has 10000 header fields, more than 500", id="10000-fields"
        ),
        pytest.param(HUGE_LINE, "the response head is too large", id="1-MiB-header-line"),
    ],
)
async def test_an_oversized_response_head_fails_clearly_at_bounded_cpu(
    wire: bytes, reason: str
) -> None:
    """10,000 header fields, or one 1 MiB header line: a ConnectError saying which, for
    under 1 s of CPU (measured around the call)."""
    async with serving(lambda n, raw: wire) as server:
        client = _client(server.url)
        try:
            cpu_before = time.process_time()
            with pytest.raises(ConnectError) as info:
                await client.request("GET", "/items", operation="list_items")
            cpu_seconds = time.process_time() - cpu_before
        finally:
            await client.aclose()
    assert str(info.value) == f"acme: the response could not be read: {reason}"
    assert cpu_seconds < 1.0, cpu_seconds


async def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    """After the server closes an idle kept-alive connection, the next GET and then a POST
    each go on a new connection and succeed; no request is sent twice."""
    async with serving(lambda n, raw: ok(b'{"connection": %d}' % n)) as server:
        client = _client(server.url)
        seen: list[int] = []
        try:
            for method in ("GET", "GET", "close", "GET", "close", "POST"):
                if method == "close":
                    await server.close_connections()  # the server's idle timeout
                    continue
                response = await client.request(method, "/items", operation="items")
                seen.append(response.json()["connection"])
        finally:
            await client.aclose()
    assert seen == [1, 1, 2, 3]  # the first connection was reused while it was open
    assert [raw.split(b" ")[0] for raw in server.requests] == [b"GET", b"GET", b"GET", b"POST"]


async def test_http2_option_still_speaks_http1_to_a_server_without_it() -> None:
    """With HTTP/2 offered (`INTEGRATIONS_HTTP__HTTP2`), a plain HTTP/1.1 vendor still answers:
    h2 is negotiated only where the server offers it, and the library is installed."""
    import h2  # noqa: F401  (the option needs it: a missing package would fail every client)

    async with serving(lambda n, raw: ok(b'{"ok": true}')) as server:
        transport = create_transport(timeout=5.0, http2=True)
        try:
            response = await transport.handle_async_request(
                httpx2.Request("GET", f"{server.url}/ping")
            )
            await response.aread()
        finally:
            await transport.aclose()
    assert response.status_code == 200 and response.http_version == "HTTP/1.1"
