"""Outbound calls through the proxies the environment names, as httpx2 reads them.

The client reads `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` when it is built
(the suite's autouse fixture clears them first, so each test sets its own before building).
A recording proxy on 127.0.0.1 (`tests.helpers.proxy_server`) forwards or tunnels and keeps
each request head it receives; the origins are `tests.helpers.raw_server` servers, the https
one with a certificate from a throwaway CA (trustme) only the test's SSL context trusts.
"""

from __future__ import annotations

import base64
import ssl

import pytest
import trustme

from integrations.core.spec import ProviderSpec, RetrySpec
from integrations.core.transport import ClientTransport, create_transport
from integrations.errors import ConfigError, ConnectError
from tests.helpers.pipeline import DemoIntegration
from tests.helpers.proxy_server import proxying
from tests.helpers.raw_server import ok, serving

pytestmark = pytest.mark.integration

BASIC_ME = b"Basic " + base64.b64encode(b"me:pw")


def _client(base_url: str, transport: ClientTransport | None = None) -> DemoIntegration:
    """A connector on `base_url`, one attempt per call, built now (proxies read now)."""
    spec = ProviderSpec(
        name="acme", base_url=base_url, retry=RetrySpec(max_attempts=1), cache_ttl_seconds=0.0
    )
    return DemoIntegration(spec, transport=transport)


def _with_credentials(proxy_url: str) -> str:
    return proxy_url.replace("http://", "http://me:pw@")


async def test_http_origin_goes_through_the_proxy_in_absolute_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An http origin is asked for as `GET http://host:port/path` with Proxy-Authorization
    from the proxy URL's user:password; two calls share one kept-alive proxy connection."""
    async with (
        serving(lambda n, raw: ok(raw.split(b" ")[1])) as origin,
        proxying(BASIC_ME) as proxy,
    ):
        monkeypatch.setenv("HTTP_PROXY", _with_credentials(proxy.url))
        client = _client(origin.url)
        try:
            for path in ("/one", "/two"):
                response = await client.request("GET", path, operation="read")
                assert response.content == f"{origin.url}{path}".encode()  # the absolute form
        finally:
            await client.aclose()
    assert len(proxy.heads) == 1 and origin.connections == 1
    lines = proxy.heads[0].split(b"\r\n")
    assert lines[0] == f"GET {origin.url}/one HTTP/1.1".encode()
    assert b"Proxy-Authorization: " + BASIC_ME in lines


async def test_https_origin_goes_through_a_connect_tunnel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An https origin is reached through CONNECT carrying the proxy's credentials; TLS runs
    end to end inside the tunnel, so the origin sees an origin-form request without them."""
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    answer = ok(b'{"secret": "answer"}')
    async with (
        serving(lambda n, raw: answer, tls=server_tls) as origin,
        proxying(BASIC_ME) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", _with_credentials(proxy.url))
        client = _client(origin.url, transport=create_transport(ssl_context=client_tls))
        try:
            response = await client.request("GET", "/doc", operation="read")
        finally:
            await client.aclose()
    assert response.json() == {"secret": "answer"}
    authority = origin.url.removeprefix("https://")
    (tunnel,) = [head.split(b"\r\n") for head in proxy.heads]
    assert tunnel[0] == f"CONNECT {authority} HTTP/1.1".encode()
    assert b"Proxy-Authorization: " + BASIC_ME in tunnel
    (inside,) = origin.requests
    assert inside.startswith(b"GET /doc HTTP/1.1\r\n")
    assert b"proxy-authorization" not in inside.lower()


@pytest.mark.parametrize(
    ("variable", "no_proxy", "host", "direct"),
    [
        pytest.param("HTTP_PROXY", "", "127.0.0.1", False, id="proxied"),
        pytest.param("ALL_PROXY", "", "127.0.0.1", False, id="all-proxy-serves-http"),
        pytest.param("HTTP_PROXY", "127.0.0.1", "127.0.0.1", True, id="ip-listed"),
        pytest.param("HTTP_PROXY", " other.example , localhost ", "localhost", True, id="list"),
        pytest.param("HTTP_PROXY", "localhost", "127.0.0.1", False, id="other-name-listed"),
        pytest.param("ALL_PROXY", "*", "127.0.0.1", True, id="star"),
    ],
)
async def test_no_proxy_hosts_go_direct(
    variable: str, no_proxy: str, host: str, direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host NO_PROXY names is called directly and the proxy sees nothing; any other host
    goes through the proxy (matched by httpx2 on the request's host as written)."""
    async with serving(lambda n, raw: ok(b"{}")) as origin, proxying() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        client = _client(origin.url.replace("127.0.0.1", host))
        try:
            await client.request("GET", "/x", operation="read")
        finally:
            await client.aclose()
    assert len(origin.requests) == 1
    assert len(proxy.heads) == (0 if direct else 1)


async def test_proxy_variables_are_read_when_the_client_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy variable set after a client was built changes nothing for that client."""
    async with serving(lambda n, raw: ok(b"{}")) as origin, proxying() as proxy:
        client = _client(origin.url)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        try:
            await client.request("GET", "/x", operation="read")
        finally:
            await client.aclose()
    assert len(origin.requests) == 1 and proxy.heads == []


async def test_refused_tunnel_reaches_the_caller_with_what_the_proxy_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 407 to CONNECT fails the call as ConnectError carrying the proxy's status line."""
    async with proxying(b"Basic never") as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        client = _client("https://localhost:9")
        try:
            with pytest.raises(ConnectError, match=r"^acme: the proxy failed: .*407"):
                await client.request("GET", "/x", operation="read")
        finally:
            await client.aclose()
    assert proxy.heads[0].startswith(b"CONNECT localhost:9 HTTP/1.1\r\n")


def test_an_unusable_proxy_url_is_a_config_error_when_the_client_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A proxy URL httpx2 cannot use fails the client's construction with a ConfigError
    carrying httpx2's reason, not a raw ValueError from deep inside the library."""
    monkeypatch.setenv("HTTPS_PROXY", "ftp://proxy.local:21")
    with pytest.raises(ConfigError, match="Unknown scheme for proxy URL"):
        _client("https://api.example.com")
