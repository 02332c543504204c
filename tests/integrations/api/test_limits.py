"""Request limits on a real `integrations serve` (uvicorn, httptools) on SQLite and PostgreSQL.

A header flood is refused with 431 at once while `/healthz` keeps answering, and an admin
body is neither read before its token is checked nor read past its cap (413). The header
limits' exact bounds are checked in process.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
from httpx2 import Headers

from integrations.api.app import create_app
from integrations.config import Settings
from integrations.services import Services
from tests.helpers.serve_process import ADMIN_TOKEN, RunningServe, raw_exchange, served_on

pytestmark = pytest.mark.integration

FLOOD_HEADERS = 40_000
# The flood took 34 s before the cap; a generous bound keeps a loaded machine from flaking.
ANSWER_WITHIN_S = 5.0
BODY_CAP = 4096  # INTEGRATIONS_API__MAX_BODY_BYTES of the server below


@pytest.fixture(name="server", scope="module", params=["sqlite", "postgresql"])
def _server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServe]:
    """One server per backend for this module (starting one takes seconds)."""
    settings = {"INTEGRATIONS_API__MAX_BODY_BYTES": str(BODY_CAP)}
    with served_on(request.param, tmp_path_factory.mktemp("serve"), **settings) as server:
        yield server


def _flood_head() -> bytes:
    lines = [b"POST /api/v1/webhooks/generic HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [b"X-Filler-%d: v" % i for i in range(FLOOD_HEADERS)]
    lines.append(b"Content-Length: 0")
    return b"\r\n".join(lines)


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def _error_code(answer: bytes) -> str:
    code: str = json.loads(answer.partition(b"\r\n\r\n")[2])["error"]["code"]
    return code


def _timed_flood(port: int, head: bytes) -> tuple[float, bytes]:
    started = time.monotonic()
    answer = raw_exchange(port, head, timeout=60)
    return time.monotonic() - started, answer


def _poll_healthz(url: str, stop: threading.Event) -> list[float]:
    """Seconds each `/healthz` took, polled until `stop` is set."""
    latencies: list[float] = []
    with httpx2.Client(timeout=60) as client:
        while not stop.is_set():
            started = time.monotonic()
            assert client.get(url + "/healthz").status_code == 200
            latencies.append(time.monotonic() - started)
    return latencies


def test_header_flood_is_refused_at_once_and_health_keeps_answering(
    server: RunningServe,
) -> None:
    """40,000 headers (~500 KB) get 431 within seconds, 12 times over 4 connections at once,
    while `/healthz` polled meanwhile answers every time within the same bound."""
    head = _flood_head()
    assert len(head) > 450_000
    with ThreadPoolExecutor(5) as pool:
        stop = threading.Event()
        health = pool.submit(_poll_healthz, server.url, stop)
        floods = [pool.submit(_timed_flood, server.port, head) for _ in range(12)]
        results = [flood.result() for flood in floods]
        stop.set()
        latencies = health.result()

    for seconds, answer in results:
        assert _status(answer) == 431, answer[:300]
        assert _error_code(answer) == "request_header_fields_too_large"
        assert seconds < ANSWER_WITHIN_S
    assert latencies, "no /healthz answer while the floods ran"
    assert max(latencies) < ANSWER_WITHIN_S


def _patch_head(length: int, *, token: bool, chunked: bool = False) -> bytes:
    lines = [
        b"PATCH /api/v1/integrations/mock HTTP/1.1",
        b"Host: 127.0.0.1",
        b"Content-Type: application/json",
    ]
    if token:
        lines.append(b"Authorization: Bearer " + ADMIN_TOKEN.encode())
    lines.append(b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % length)
    return b"\r\n".join(lines)


def _config_version(url: str) -> int:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = httpx2.get(url + "/api/v1/integrations/mock", headers=headers, timeout=30)
    version: int = response.json()["config"]["version"]
    return version


def _padded(size: int) -> bytes:
    """A valid PATCH body of exactly `size` bytes (JSON allows trailing whitespace)."""
    body = b'{"enabled": true}'
    return body + b" " * (size - len(body))


def test_admin_bodies_are_refused_before_they_are_read(server: RunningServe) -> None:
    """Without a token a declared 50 MB body gets 401 after 64 KiB of it; with one, a body
    over the cap gets 413, declared or streamed, and nothing is stored; at the cap it is
    applied."""
    fifty_mb = 50 * 1024 * 1024
    before = _config_version(server.url)
    # The rest of the 50 MB never comes: an answer proves the body was not awaited.
    anonymous = raw_exchange(server.port, _patch_head(fifty_mb, token=False), b"{" * 65536)
    declared = raw_exchange(server.port, _patch_head(fifty_mb, token=True), b"{" * 65536)
    chunk = b"%x\r\n%s\r\n" % (1024, b" " * 1024)
    streamed = raw_exchange(server.port, _patch_head(0, token=True, chunked=True), chunk * 8)
    after_refusals = _config_version(server.url)
    at_cap = raw_exchange(server.port, _patch_head(BODY_CAP, token=True), _padded(BODY_CAP))
    over_cap = _padded(BODY_CAP + 1)
    one_over = raw_exchange(server.port, _patch_head(len(over_cap), token=True), over_cap)

    assert _status(anonymous) == 401 and _error_code(anonymous) == "unauthorized"
    assert _status(declared) == 413 and _error_code(declared) == "payload_too_large"
    assert _status(streamed) == 413 and _error_code(streamed) == "payload_too_large"
    assert after_refusals == before
    assert _status(at_cap) == 200, at_cap[-300:]
    assert _status(one_over) == 413


LIST = "http://test/api/v1/integrations"
TEST_TOKEN = {"Authorization": "Bearer test-admin-token-0123456789"}


async def _list(settings: Settings, services: Services, headers: Headers) -> httpx2.Response:
    app = create_app(settings, services)
    app.state.services = services
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport) as client:
        return await client.send(httpx2.Request("GET", LIST, headers=headers))


def _headers_totalling(size: int, count: int) -> Headers:
    """`count` header fields (httpx2's own among them) whose names and values total `size`."""
    base = httpx2.Request("GET", LIST, headers=TEST_TOKEN).headers
    headers = Headers(base)
    headers.update({f"x-h{i}": "v" for i in range(count - len(base))})
    used = sum(len(k) + len(v) for k, v in headers.raw)
    headers["x-h0"] = "v" * (1 + size - used)
    assert len(headers) == count
    assert sum(len(k) + len(v) for k, v in headers.raw) == size
    return headers


@pytest.mark.parametrize(
    ("count", "size", "status"),
    [
        pytest.param(16, 4096, 200, id="at-both-limits"),
        pytest.param(17, 1000, 431, id="one-field-too-many"),
        pytest.param(16, 4097, 431, id="one-byte-too-many"),
    ],
)
async def test_header_limits_are_exact_and_configurable(
    settings: Settings, services: Services, count: int, size: int, status: int
) -> None:
    """`INTEGRATIONS_API__MAX_HEADER_COUNT` and `__MAX_HEADER_BYTES` are the largest allowed."""
    settings.api.max_header_count, settings.api.max_header_bytes = 16, 4096

    response = await _list(settings, services, _headers_totalling(size, count))

    assert response.status_code == status, response.text
    if status == 431:
        assert response.json()["error"]["code"] == "request_header_fields_too_large"
        assert response.headers["connection"] == "close"


def test_mcp_bodies_are_capped_like_admin_bodies(server: RunningServe) -> None:
    """`/mcp` refuses a body over the admin cap with 413, declared or streamed, and still
    answers a small request."""
    fifty_mb = 50 * 1024 * 1024
    head = [
        b"POST /mcp HTTP/1.1",
        b"Host: 127.0.0.1",
        b"Content-Type: application/json",
        b"Accept: application/json, text/event-stream",
        b"Authorization: Bearer " + ADMIN_TOKEN.encode(),
    ]
    declared = raw_exchange(
        server.port, b"\r\n".join([*head, b"Content-Length: %d" % fifty_mb]), b"{" * 65536
    )
    chunk = b"%x\r\n%s\r\n" % (1024, b" " * 1024)
    streamed = raw_exchange(
        server.port, b"\r\n".join([*head, b"Transfer-Encoding: chunked"]), chunk * 8
    )
    listed = httpx2.post(
        server.url + "/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={
            "Authorization": f"Bearer {ADMIN_TOKEN}",
            "Accept": "application/json, text/event-stream",
        },
        timeout=30,
    )

    assert _status(declared) == 413 and _error_code(declared) == "payload_too_large"
    assert _status(streamed) == 413 and _error_code(streamed) == "payload_too_large"
    assert listed.status_code == 200, listed.text
    assert listed.json()["result"]["tools"]
