"""The native HTTP/1.1 engine against a loopback server scripted byte for byte.

Each test starts `asyncio.start_server` on 127.0.0.1 with a responder that sees every raw
request (head and Content-Length body) and returns the exact bytes to answer, or None to close
the socket without answering. The server counts the TCP connections it accepts and keeps the
raw requests, so keep-alive reuse, framing (HEAD, chunked, 204, read-until-close, 1xx) and the
pool's limits are checked on the wire, not inferred from the engine's own state.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from integrations.core.http1 import NativeTransport

pytestmark = pytest.mark.integration

Responder = Callable[[int, bytes], bytes | Awaitable[bytes | None] | None]
CLOSE = b"<close>"  # appended to an answer: the server closes the socket right after it


def ok(body: bytes, *headers: bytes) -> bytes:
    head = b"".join(h + b"\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\n%bContent-Length: %d\r\n\r\n%b" % (head, len(body), body)


class Server:
    """Accepted connections (1-based numbers) and the raw requests, in arrival order."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self._writers.append(writer)
        self._tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    body = await reader.readexactly(int(length[1])) if length else b""
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                self.requests.append(head + body)
                answer = self.respond(number, head + body)
                if inspect.isawaitable(answer):
                    answer = await answer
                if answer is None:
                    return
                writer.write(answer.removesuffix(CLOSE))
                await writer.drain()
                if answer.endswith(CLOSE):
                    return
        finally:
            writer.close()

    async def close_all(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._tasks:  # the handlers see their sockets close and return
            await asyncio.wait(self._tasks, timeout=2)


@asynccontextmanager
async def serving(respond: Responder) -> AsyncIterator[Server]:
    server = Server(respond)
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    try:
        yield server
    finally:
        listener.close()
        await server.close_all()
        await listener.wait_closed()


@pytest.fixture(name="transport")
async def _transport() -> AsyncIterator[NativeTransport]:
    transport = NativeTransport()
    yield transport
    await transport.aclose()


def req(method: str, url: str, *, pool: float = 2, **kw: Any) -> httpx.Request:
    timeout = {"connect": 2, "read": 2, "write": 2, "pool": pool}
    return httpx.Request(method, url, extensions={"timeout": timeout}, **kw)


async def send(transport: NativeTransport, request: httpx.Request) -> httpx.Response:
    async with asyncio.timeout(3):  # a framing bug shows up as a hang: fail it instead
        response = await transport.handle_async_request(request)
        await response.aread()
    return response


async def test_keep_alive_reuses_one_connection(transport: NativeTransport) -> None:
    """Three sequential GETs travel on one TCP connection, each with its own body."""
    async with serving(lambda n, raw: ok(raw.split(b" ")[1])) as server:
        for path in ("/one", "/two", "/three"):
            response = await send(transport, req("GET", server.url + path))
            assert response.status_code == 200 and response.content == path.encode()
        assert server.connections == 1 and len(server.requests) == 3


async def test_head_does_not_wait_for_the_announced_body(transport: NativeTransport) -> None:
    """A HEAD answer announcing 100 bytes completes bodiless; the next GET gets its own body."""

    def respond(n: int, raw: bytes) -> bytes:
        if raw.startswith(b"HEAD "):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
        return ok(b"get body")

    async with serving(respond) as server:
        async with asyncio.timeout(2):
            head = await send(transport, req("HEAD", server.url + "/h"))
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == "100"
        get = await send(transport, req("GET", server.url + "/g"))
        assert get.content == b"get body"
        assert server.connections == 1


async def test_chunked_body_is_dechunked(transport: NativeTransport) -> None:
    """Several chunks join into the body; the Transfer-Encoding header stays as sent."""
    wire = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n1\r\n \r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
    )
    async with serving(lambda n, raw: wire) as server:
        response = await send(transport, req("GET", server.url))
        assert response.content == b"hello 0123456789abcdef"
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        assert (await send(transport, req("GET", server.url))).content.startswith(b"hello")
        assert server.connections == 1


async def test_chunked_trailers_are_not_headers(transport: NativeTransport) -> None:
    """Trailer fields after the last chunk stay out of response.headers, as with httpx."""
    wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: t\r\n\r\n"
    async with serving(lambda n, raw: wire) as server:
        response = await send(transport, req("GET", server.url))
        assert response.content == b"abc"
        assert "x-t" not in response.headers


async def test_204_without_length_completes_and_reuses(transport: NativeTransport) -> None:
    """A 204 with no Content-Length is an empty answer, and its connection is reused."""

    def respond(n: int, raw: bytes) -> bytes:
        return b"HTTP/1.1 204 No Content\r\n\r\n" if b"/empty" in raw else ok(b"after")

    async with serving(respond) as server:
        empty = await send(transport, req("DELETE", server.url + "/empty"))
        assert empty.status_code == 204 and empty.content == b""
        assert (await send(transport, req("GET", server.url + "/next"))).content == b"after"
        assert server.connections == 1


async def test_connection_close_opens_a_new_connection(transport: NativeTransport) -> None:
    """An answer saying `Connection: close` is read whole and its connection is not reused.

    The server leaves the socket open on purpose: only the engine's reading of the header can
    make the second request go on a new connection.
    """
    async with serving(lambda n, raw: ok(b"conn %d" % n, b"Connection: close")) as server:
        assert (await send(transport, req("GET", server.url))).content == b"conn 1"
        assert (await send(transport, req("GET", server.url))).content == b"conn 2"
        assert server.connections == 2


async def test_http10_body_delimited_by_close(transport: NativeTransport) -> None:
    """An HTTP/1.0 answer without length is read until the server closes, whole."""
    body = b"x" * 70_000 + b"end"
    wire = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body + CLOSE
    async with serving(lambda n, raw: wire) as server:
        response = await send(transport, req("GET", server.url))
        assert response.content == body
        assert response.http_version == "HTTP/1.0"
        assert (await send(transport, req("GET", server.url))).content == body
        assert server.connections == 2


async def test_server_closed_idle_connection_is_not_reused(transport: NativeTransport) -> None:
    """A kept-alive connection the server closed while idle: GET and POST go on a new one.

    With the close seen by the loop before the next request (the 50 ms pause), the pool drops
    the dead connection, so even a non-idempotent POST succeeds: nothing was ever sent on it.
    """
    async with serving(lambda n, raw: ok(b"conn %d" % n) + CLOSE) as server:
        assert (await send(transport, req("GET", server.url))).content == b"conn 1"
        await asyncio.sleep(0.05)
        assert (await send(transport, req("GET", server.url))).content == b"conn 2"
        await asyncio.sleep(0.05)
        post = await send(transport, req("POST", server.url, content=b"p"))
        assert post.content == b"conn 3" and server.connections == 3


async def test_stale_keep_alive_retries_get_but_not_post(transport: NativeTransport) -> None:
    """A reused connection closed without answering: a GET is retried once, a POST raises.

    The deterministic form of the stale keep-alive race: the server answers the first request
    of each connection, then closes on the second one without a byte, exactly what a client
    sees when its request crosses the server's idle close.
    """
    answered: Counter[int] = Counter()

    def respond(n: int, raw: bytes) -> bytes | None:
        answered[n] += 1
        return ok(b"conn %d" % n) if answered[n] == 1 else None

    async with serving(respond) as server:
        assert (await send(transport, req("GET", server.url))).content == b"conn 1"
        assert (await send(transport, req("GET", server.url))).content == b"conn 2"
        assert server.connections == 2
        with pytest.raises(httpx.RemoteProtocolError):
            await send(transport, req("POST", server.url, content=b"once"))
        assert server.connections == 2
        assert [r.split(b" ")[0] for r in server.requests] == [b"GET", b"GET", b"GET", b"POST"]


async def test_pool_limit_raises_pool_timeout() -> None:
    """One connection allowed and busy: a request raises PoolTimeout, a patient one waits."""
    release = asyncio.Event()

    async def respond(n: int, raw: bytes) -> bytes:
        if b"/slow" in raw:
            await release.wait()
        return ok(raw.split(b" ")[1])

    transport = NativeTransport(max_connections=1)
    try:
        async with serving(respond) as server:
            slow = asyncio.create_task(send(transport, req("GET", server.url + "/slow")))
            await asyncio.sleep(0.05)
            with pytest.raises(httpx.PoolTimeout):
                await send(transport, req("GET", server.url + "/fast", pool=0.2))
            waiting = asyncio.create_task(send(transport, req("GET", server.url + "/later")))
            await asyncio.sleep(0.05)
            release.set()
            assert (await slow).content == b"/slow"
            assert (await waiting).content == b"/later"
            assert server.connections == 1
    finally:
        release.set()
        await transport.aclose()


async def test_cancelled_woken_waiter_passes_the_slot_on() -> None:
    """A waiter cancelled right after its wake-up leaves the freed connection to the next one."""
    release = asyncio.Event()

    async def respond(n: int, raw: bytes) -> bytes:
        if b"/slow" in raw:
            await release.wait()
        return ok(raw.split(b" ")[1])

    async def first() -> httpx.Response:
        response = await transport.handle_async_request(req("GET", server.url + "/slow"))
        second.cancel()  # in the very step whose release woke `second`
        return response

    transport = NativeTransport(max_connections=1)
    try:
        async with serving(respond) as server:
            slow = asyncio.create_task(first())
            await asyncio.sleep(0.05)
            second = asyncio.create_task(send(transport, req("GET", server.url + "/b")))
            await asyncio.sleep(0.05)
            third = asyncio.create_task(send(transport, req("GET", server.url + "/c", pool=0.5)))
            await asyncio.sleep(0.05)
            release.set()
            assert (await slow).status_code == 200
            with pytest.raises(asyncio.CancelledError):
                await second
            assert (await third).content == b"/c"
    finally:
        await transport.aclose()


async def test_malformed_answer_raises_protocol_error(transport: NativeTransport) -> None:
    """Bytes that are not an HTTP answer raise httpx.RemoteProtocolError."""
    async with serving(lambda n, raw: b"NOT HTTP\r\n\r\n") as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await send(transport, req("GET", server.url))


async def test_truncated_body_raises_protocol_error(transport: NativeTransport) -> None:
    """A close before the announced Content-Length arrived raises RemoteProtocolError."""
    wire = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort" + CLOSE
    async with serving(lambda n, raw: wire) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            await send(transport, req("GET", server.url))


async def test_interim_100_continue_then_final_answer(transport: NativeTransport) -> None:
    """A 100 Continue before the 200 is skipped: the final status and body are returned."""
    wire = b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final", b"X-Final: yes")
    async with serving(lambda n, raw: wire) as server:
        response = await send(transport, req("POST", server.url, content=b"data"))
        assert response.status_code == 200 and response.content == b"final"
        assert response.headers["x-final"] == "yes" and response.reason_phrase == "OK"
        assert (await send(transport, req("GET", server.url))).status_code == 200
        assert server.connections == 1


async def test_closed_transport_refuses_requests() -> None:
    """After aclose(), a request raises RuntimeError at once instead of hanging."""
    transport = NativeTransport()
    async with serving(lambda n, raw: ok(b"x")) as server:
        assert (await send(transport, req("GET", server.url))).content == b"x"
        await transport.aclose()
        with pytest.raises(RuntimeError):
            await send(transport, req("GET", server.url))
        assert server.connections == 1 and len(server.requests) == 1


async def test_request_bytes_on_the_wire(transport: NativeTransport) -> None:
    """The request line keeps path and query, Host is sent, a POST body has its length."""
    async with serving(lambda n, raw: ok(b"")) as server:
        await send(transport, req("GET", server.url + "/a/b?x=1"))
        await send(transport, req("POST", server.url + "/p", content=b"abc"))
        get_head, post = server.requests
        lines = get_head.split(b"\r\n")
        assert lines[0] == b"GET /a/b?x=1 HTTP/1.1"
        host = server.url.removeprefix("http://").encode()
        assert b"host: " + host in [line.lower() for line in lines]
        post_head, post_body = post.split(b"\r\n\r\n", 1)
        assert post_head.startswith(b"POST /p HTTP/1.1\r\n")
        assert b"content-length: 3" in post_head.lower().split(b"\r\n")
        assert post_body == b"abc"


async def test_shorter_read_timeout_on_a_reused_connection_fires_on_time(
    transport: NativeTransport,
) -> None:
    """The inactivity timer outlives requests: a later request with a shorter read timeout on
    the same connection still times out after its own limit, not the earlier one's."""

    async def respond(n: int, raw: bytes) -> bytes | None:
        if b"/slow" in raw:
            await asyncio.sleep(5)
        return ok(b"fast")

    async with serving(respond) as server:
        long = httpx.Request(
            "GET", server.url + "/fast", extensions={"timeout": {"read": 30, "pool": 2}}
        )
        assert (await send(transport, long)).content == b"fast"
        short = httpx.Request(
            "GET", server.url + "/slow", extensions={"timeout": {"read": 0.3, "pool": 2}}
        )
        started = asyncio.get_running_loop().time()
        with pytest.raises(httpx.ReadTimeout):
            await send(transport, short)
        assert asyncio.get_running_loop().time() - started < 1.5
        assert server.connections == 1  # the slow request really went on the reused connection


async def test_timer_that_lapsed_while_idle_is_armed_again(transport: NativeTransport) -> None:
    """A connection idle past its read timeout still times out its next request."""

    async def respond(n: int, raw: bytes) -> bytes | None:
        if b"/slow" in raw:
            await asyncio.sleep(5)
        return ok(b"fast")

    async with serving(respond) as server:
        timeout = {"read": 0.2, "pool": 2}
        fast = httpx.Request("GET", server.url + "/fast", extensions={"timeout": timeout})
        assert (await send(transport, fast)).content == b"fast"
        await asyncio.sleep(0.4)  # the timer fires on the idle connection and lapses
        slow = httpx.Request("GET", server.url + "/slow", extensions={"timeout": timeout})
        with pytest.raises(httpx.ReadTimeout):
            await send(transport, slow)
        assert server.connections == 1
