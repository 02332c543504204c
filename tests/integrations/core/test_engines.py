"""The three engines behave like httpx's own transport against a real local server.

The server is `http.server` in a thread on 127.0.0.1: it can gzip a body, sleep past the
client's timeout and drop a connection without answering, which an ASGI app cannot do.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.engines import EngineName, create_transport
from integrations.core.engines_common import raw_headers
from integrations.core.spec import ProviderSpec, RetrySpec
from integrations.errors import ConnectError, RequestTimeoutError

pytestmark = pytest.mark.integration

ENGINES = [
    pytest.param("httpx", id="httpx"),
    pytest.param("aiohttp", id="aiohttp"),
    pytest.param("httpx2", id="httpx2"),
    pytest.param("native", id="native"),
]
PAYLOAD = {"items": [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(50)]}
SLEEP_S = 2.0
READ_TIMEOUT_S = 0.3


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/json":
            self._answer(200, json.dumps(PAYLOAD).encode())
        elif self.path == "/gzip":
            body = gzip.compress(json.dumps(PAYLOAD).encode())
            self._answer(200, body, {"Content-Encoding": "gzip"})
        elif self.path == "/sleep":
            time.sleep(SLEEP_S)
            self._answer(200, b"{}")
        elif self.path == "/drop":
            self.close_connection = True  # no status line, no headers: the socket just closes
        elif self.path == "/cookie":
            self._answer(200, b"{}", {"Set-Cookie": "session=abc123; Path=/"})
        elif self.path == "/headers":
            self._answer(200, json.dumps({k.lower(): v for k, v in self.headers.items()}).encode())
        else:
            self._answer(404, b'{"detail": "not found"}')

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        echo = {"content_type": self.headers.get("Content-Type"), "body": body.decode("latin-1")}
        self._answer(200, json.dumps(echo).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that gave up on /sleep is expected, not an error


@pytest.fixture(name="server_url", scope="module")
def _server_url() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="engines-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(name="refused_url")
def _refused_url() -> Iterator[str]:
    """A port bound but not listening: connecting to it is refused, with no race."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@pytest.fixture(name="transport")
async def _transport(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncBaseTransport]:
    transport = create_transport(request.param, timeout=5.0)
    yield transport
    await transport.aclose()


def _request(method: str, url: str, *, read: float = 5.0, **kw: Any) -> httpx.Request:
    timeout = {"connect": 5.0, "read": read, "write": 5.0, "pool": 5.0}
    return httpx.Request(method, url, extensions={"timeout": timeout}, **kw)


async def _send(transport: httpx.AsyncBaseTransport, request: httpx.Request) -> httpx.Response:
    response = await transport.handle_async_request(request)
    await response.aread()
    return response


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_plain_json(transport: httpx.AsyncBaseTransport, server_url: str) -> None:
    """A plain JSON answer arrives with its status, headers and body."""
    response = await _send(transport, _request("GET", f"{server_url}/json"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.http_version == "HTTP/1.1" and response.reason_phrase == "OK"
    assert response.json() == PAYLOAD


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_gzip_body_is_decoded_like_httpx(
    transport: httpx.AsyncBaseTransport, server_url: str
) -> None:
    """A gzip-encoded body decodes to the same JSON as httpx's transport gives, headers kept."""
    async with httpx.AsyncHTTPTransport() as reference:
        expected = await _send(reference, _request("GET", f"{server_url}/gzip"))
    response = await _send(transport, _request("GET", f"{server_url}/gzip"))
    assert response.json() == expected.json() == PAYLOAD
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-length"] == expected.headers["content-length"]


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_read_timeout(transport: httpx.AsyncBaseTransport, server_url: str) -> None:
    """A server slower than the read timeout raises httpx.ReadTimeout, on time."""
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        await _send(transport, _request("GET", f"{server_url}/sleep", read=READ_TIMEOUT_S))
    assert time.monotonic() - started < SLEEP_S


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_connection_refused(transport: httpx.AsyncBaseTransport, refused_url: str) -> None:
    """A refused connection raises httpx.ConnectError."""
    with pytest.raises(httpx.ConnectError):
        await _send(transport, _request("GET", f"{refused_url}/json"))


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_dropped_connection(transport: httpx.AsyncBaseTransport, server_url: str) -> None:
    """A connection closed without an answer raises httpx.RemoteProtocolError."""
    with pytest.raises(httpx.RemoteProtocolError):
        await _send(transport, _request("GET", f"{server_url}/drop"))


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_only_the_requests_headers_and_no_cookies(
    transport: httpx.AsyncBaseTransport, server_url: str
) -> None:
    """The wire carries the httpx request's headers only; a Set-Cookie is never sent back."""
    await _send(transport, _request("GET", f"{server_url}/cookie"))
    request = _request("GET", f"{server_url}/headers", headers={"X-Api-Key": "k-123456"})
    seen = (await _send(transport, request)).json()
    async with httpx.AsyncHTTPTransport() as reference:
        expected = (await _send(reference, _request("GET", f"{server_url}/headers"))).json()
    assert "cookie" not in seen
    assert seen.pop("x-api-key") == "k-123456"
    assert set(seen) == set(expected)


@pytest.mark.parametrize("transport", ENGINES, indirect=True)
async def test_streamed_multipart_body(
    transport: httpx.AsyncBaseTransport, server_url: str
) -> None:
    """A streamed (multipart) request body is sent whole, as httpx's transport sends it."""
    request = _request("POST", f"{server_url}/echo", files={"file": ("a.txt", b"hello " * 100)})
    echo = (await _send(transport, request)).json()
    assert echo["content_type"].startswith("multipart/form-data; boundary=")
    assert "hello hello" in echo["body"] and 'filename="a.txt"' in echo["body"]


class _Demo(BaseIntegration):
    async def health_check(self) -> HealthResult:
        return HealthResult(True, 0.0)


@pytest.mark.parametrize("engine", ENGINES)
async def test_pipeline_maps_engine_failures(
    engine: EngineName, server_url: str, refused_url: str
) -> None:
    """Through the pipeline every engine's timeout and refusal map to the same errors."""
    spec = ProviderSpec(
        name="engines",
        base_url=server_url,
        timeout_seconds=READ_TIMEOUT_S,
        retry=RetrySpec(max_attempts=1),
    )
    client = _Demo(spec, engine=engine)
    try:
        ok = await client.request("GET", "/gzip", operation="gzip")
        assert ok.json() == PAYLOAD
        with pytest.raises(RequestTimeoutError):
            await client.request("GET", "/sleep", operation="sleep")
        with pytest.raises(ConnectError):
            await client.request("GET", f"{refused_url}/json", operation="refused")
    finally:
        await client.aclose()


HEADER_BYTES = st.binary(min_size=1, max_size=12).filter(lambda b: not {13, 10} & set(b))


@given(pairs=st.lists(st.tuples(HEADER_BYTES, HEADER_BYTES), max_size=6))
def test_raw_headers_equal_httpx_headers(pairs: list[tuple[bytes, bytes]]) -> None:
    """The one-pass header list is the one httpx builds: same raw pairs, lookups, encoding."""
    fast, slow = raw_headers(pairs), httpx.Headers(pairs)
    assert fast.raw == slow.raw
    assert fast.multi_items() == slow.multi_items()
    assert fast.encoding == slow.encoding
    for name, _ in pairs:
        assert fast.get_list(name.decode("latin-1")) == slow.get_list(name.decode("latin-1"))
    assert raw_headers([("Str", "pairs")]) == httpx.Headers([("Str", "pairs")])
