"""Every engine through HTTP proxies: environment table, NO_PROXY, forward and CONNECT.

A small proxy runs on 127.0.0.1 in the test: it records each request head it receives, then
either opens a tunnel (CONNECT) or forwards the bytes as they are to the origin named in the
absolute-form request line, and pipes both ways until either side closes. The https origin
serves a certificate from a throwaway CA (trustme) that only the test's SSL context trusts.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest
import trustme

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.engines import EngineName, ProxyRoutingTransport, create_transport
from integrations.core.http1_proxy import Proxies, ProxyRoute, _bypassed
from integrations.core.spec import ProviderSpec, RetrySpec
from integrations.errors import ConnectError
from tests.integrations.core.test_http1 import ok, req, send, serving

pytestmark = pytest.mark.integration

ENGINES = pytest.mark.parametrize("engine", ["native", "httpx", "aiohttp", "httpx2"])


@pytest.mark.parametrize(
    ("host", "port", "no_proxy", "bypassed"),
    [
        ("api.example.com", 443, "", False),
        ("api.example.com", 443, "*", True),
        ("api.example.com", 443, "example.com", True),
        ("api.example.com", 443, ".example.com", True),
        ("badexample.com", 443, "example.com", False),
        ("api.example.com", 443, "example.com:8443", False),
        ("api.example.com", 8443, "example.com:8443", True),
        ("10.1.2.3", 80, "10.0.0.0/8", True),
        ("11.1.2.3", 80, "10.0.0.0/8", False),
        ("::1", 80, "[::1]", True),
        ("LOCALHOST", 80, " other , localhost ", True),
    ],
)
def test_no_proxy_matching(host: str, port: int, no_proxy: str, bypassed: bool) -> None:
    """NO_PROXY as curl reads it: hosts, parent domains, ports, IP networks, `*`."""
    assert _bypassed(host, port, no_proxy) is bypassed


def test_route_from_the_table() -> None:
    """The scheme's proxy, else ALL_PROXY; user:password becomes Basic; https:// is refused."""
    table = {"https": "http://u%40x:p%3Aw@proxy.local:3128", "all": "proxy.all", "no": "skip.me"}
    route = Proxies(table).route("https", "api.example.com", 443)
    assert route is not None and (route.host, route.port) == ("proxy.local", 3128)
    assert route.authorization == b"Basic " + base64.b64encode(b"u@x:p:w")
    fallback = Proxies(table).route("http", "api.example.com", 80)
    assert fallback is not None and (fallback.host, fallback.port, fallback.authorization) == (
        "proxy.all",
        80,
        None,
    )
    assert Proxies(table).route("https", "skip.me", 443) is None
    with pytest.raises(httpx2.ProxyError, match="http:// proxies only"):
        Proxies({"https": "https://secure.proxy:443"}).route("https", "a.example", 443)


def test_environment_without_proxies_means_no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost")
    assert Proxies.from_environment() is None
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    found = Proxies.from_environment()
    assert found is not None and found.route("https", "api.example.com", 443) is not None


class Proxy:
    """A forward/CONNECT proxy that answers 407 to requests without `required` credentials."""

    def __init__(self, required: bytes | None = None) -> None:
        self.required = required
        self.heads: list[bytes] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        self.heads.append(head)
        if self.required is not None and b"Proxy-Authorization: " + self.required not in head:
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        method, target, _ = head.split(b" ", 2)
        if method == b"CONNECT":
            host, _, port = target.decode().rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            authority = target.split(b"/")[2].decode()
            host, _, port = authority.rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            up_writer.write(head)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


@asynccontextmanager
async def proxying(required: bytes | None = None) -> AsyncIterator[Proxy]:
    proxy = Proxy(required)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:
        server.close()


@ENGINES
async def test_http_origin_goes_in_absolute_form_with_credentials(engine: EngineName) -> None:
    """Requests to an http origin reach the proxy as `GET http://host:port/path`, carrying
    Proxy-Authorization; two requests share one kept-alive connection."""
    secret = b"Basic " + base64.b64encode(b"me:pw")
    async with serving(lambda n, raw: ok(raw.split(b" ")[1])) as origin, proxying(secret) as proxy:
        user_url = proxy.url.replace("http://", "http://me:pw@")
        transport = create_transport(engine, proxies={"http": user_url})
        try:
            for path in ("/one", "/two"):
                response = await send(transport, req("GET", origin.url + path))
                assert response.content == (origin.url + path).encode()
        finally:
            await transport.aclose()
    assert len(proxy.heads) == 1 and origin.connections == 1
    assert proxy.heads[0].startswith(f"GET {origin.url}/one HTTP/1.1".encode())


@ENGINES
async def test_https_origin_goes_through_a_connect_tunnel(engine: EngineName) -> None:
    """An https origin is reached through CONNECT; TLS runs end to end inside the tunnel."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    handled: list[bytes] = []

    async def tls_origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        handled.append(head)
        writer.write(ok(b"secret answer"))
        await writer.drain()
        writer.close()

    origin = await asyncio.start_server(tls_origin, "127.0.0.1", 0, ssl=server_ctx)
    port = origin.sockets[0].getsockname()[1]
    async with proxying(b"Basic " + base64.b64encode(b"me:pw")) as proxy:
        user_url = proxy.url.replace("http://", "http://me:pw@")
        transport = create_transport(engine, ssl_context=client_ctx, proxies={"https": user_url})
        try:
            response = await send(transport, req("GET", f"https://localhost:{port}/doc"))
        finally:
            await transport.aclose()
            origin.close()
    assert response.content == b"secret answer"
    assert len(proxy.heads) == 1
    tunnel = proxy.heads[0].split(b"\r\n")
    assert tunnel[0] == f"CONNECT localhost:{port} HTTP/1.1".encode()
    assert f"Host: localhost:{port}".encode() in tunnel
    assert b"Proxy-Authorization: Basic " + base64.b64encode(b"me:pw") in tunnel
    assert handled[0].startswith(b"GET /doc HTTP/1.1")  # origin form inside the tunnel
    assert b"Proxy-Authorization" not in handled[0]


@ENGINES
async def test_refused_tunnel_is_a_proxy_error(engine: EngineName) -> None:
    """A 407 to CONNECT fails the request with httpx2.ProxyError naming the status."""
    async with proxying(b"Basic never") as proxy:
        transport = create_transport(engine, proxies={"https": proxy.url})
        try:
            with pytest.raises(httpx2.ProxyError, match="407"):
                await send(transport, req("GET", "https://localhost:9/x"))
        finally:
            await transport.aclose()


@ENGINES
async def test_no_proxy_hosts_go_direct(engine: EngineName) -> None:
    """A host in NO_PROXY is reached directly; the proxy sees nothing."""
    async with serving(lambda n, raw: ok(b"direct")) as origin, proxying() as proxy:
        transport = create_transport(engine, proxies={"http": proxy.url, "no": "127.0.0.1"})
        try:
            assert (await send(transport, req("GET", origin.url + "/"))).content == b"direct"
        finally:
            await transport.aclose()
    assert proxy.heads == []


@pytest.mark.parametrize("engine", ["httpx", "aiohttp", "httpx2"])
async def test_library_engines_read_the_environment(
    engine: EngineName, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without proxy variables a library engine is its plain transport; with HTTP_PROXY set
    its requests reach the proxy."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    plain = create_transport(engine)
    assert not isinstance(plain, ProxyRoutingTransport)
    await plain.aclose()
    async with serving(lambda n, raw: ok(b"via proxy")) as origin, proxying() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        transport = create_transport(engine)
        try:
            assert isinstance(transport, ProxyRoutingTransport)
            assert (await send(transport, req("GET", origin.url + "/x"))).content == b"via proxy"
        finally:
            await transport.aclose()
    assert proxy.heads[0].startswith(f"GET {origin.url}/x HTTP/1.1".encode())


def test_route_url_brackets_ipv6_hosts() -> None:
    assert ProxyRoute("::1", 3128, None).url == "http://[::1]:3128"
    assert ProxyRoute("proxy.local", 80, b"Basic x").url == "http://proxy.local:80"


class _Demo(BaseIntegration):
    async def health_check(self) -> HealthResult:
        return HealthResult(True, 0.0)


@pytest.mark.parametrize(
    ("proxy_url", "reason"),
    [
        pytest.param(None, "407", id="refused-tunnel"),
        pytest.param("socks5://127.0.0.1:1080", "http:// proxies only", id="unsupported"),
    ],
)
@ENGINES
async def test_proxy_failure_reaches_the_caller_with_its_reason(
    engine: EngineName, proxy_url: str | None, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the pipeline a proxy failure is a ConnectError saying what the proxy said
    (or what is wrong with its URL), not a bare class name, whatever the engine."""
    spec = ProviderSpec(name="acme", base_url="https://localhost:9", retry=RetrySpec(1))
    async with proxying(b"Basic never") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url or proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        client = _Demo(spec, engine=engine)
        try:
            with pytest.raises(ConnectError, match=f"acme: the proxy failed: .*{reason}"):
                await client.request("GET", "/x", operation="probe")
        finally:
            await client.aclose()


def test_table_problems_and_description() -> None:
    """Every unusable proxy URL is named by its variable; the description masks credentials."""
    table = Proxies({"https": "http://u:p@[::1]:3128", "all": "https://secure:443", "no": "a.b"})
    assert table.problems() == [
        ("ALL_PROXY", "unsupported proxy https://secure: the engines speak to http:// proxies only")
    ]
    assert (
        table.describe()
        == "all via https://secure:443; https via http://***@[::1]:3128; direct: a.b"
    )
    assert Proxies({"http": "proxy.local"}).describe() == "http via http://proxy.local"
