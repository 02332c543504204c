"""HTTP proxies for every engine, taken from the environment like curl and httpx do.

`HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (either case) name an `http://` proxy, with
`user:password@` for Basic proxy authentication; `NO_PROXY` lists hosts reached directly.
An https origin goes through a `CONNECT host:port` tunnel, TLS then runs end to end inside
it, so the proxy sees neither the request nor the credentials; an http origin's requests go
to the proxy in absolute form (`GET http://host/path HTTP/1.1`).
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import ssl
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from integrations.core.http1_connection import H1Connection

__all__ = ["Proxies", "ProxyRoute", "open_tunnel"]


@dataclass(frozen=True, slots=True)
class ProxyRoute:
    """Where to connect instead of the origin, and the Proxy-Authorization value if any."""

    host: str
    port: int
    authorization: bytes | None

    @property
    def headers(self) -> dict[str, str] | None:
        """The headers the proxy itself must see, for engines that take them as a mapping."""
        if self.authorization is None:
            return None
        return {"Proxy-Authorization": self.authorization.decode("latin-1")}

    @property
    def url(self) -> str:
        """The proxy's URL without credentials, for engines that take one."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


class Proxies:
    """The proxy table (scheme → proxy URL, plus "no" for the bypass list).

    Args:
        table: as `urllib.request.getproxies_environment()` returns it.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        self._table = {k.lower(): v for k, v in table.items() if v}

    @classmethod
    def from_environment(cls) -> Proxies | None:
        """The environment's proxies, or None when no proxy is set (the common case)."""
        table = urllib.request.getproxies_environment()
        return cls(table) if any(key != "no" for key in table) else None

    def route(self, scheme: str, host: str, port: int) -> ProxyRoute | None:
        """The proxy for an origin, or None to connect directly.

        Raises:
            httpx.ProxyError: the proxy URL is not an `http://` URL with a host.
        """
        if _bypassed(host, port, self._table.get("no", "")):
            return None
        url = self._table.get(scheme) or self._table.get("all")
        return _parse(url) if url else None

    def problems(self) -> list[tuple[str, str]]:
        """(variable, message) for each proxy URL the engines cannot use."""
        found = []
        for scheme, url in sorted(self._table.items()):
            if scheme != "no":
                try:
                    _parse(url)
                except httpx.ProxyError as exc:
                    found.append((f"{scheme.upper()}_PROXY", str(exc)))
        return found

    def describe(self) -> str:
        """One line for operators: which proxy each scheme uses, credentials masked."""
        parts = []
        for scheme, url in sorted(self._table.items()):
            if scheme == "no":
                continue
            split = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
            user = "***@" if split.username is not None else ""
            host = f"[{split.hostname}]" if ":" in (split.hostname or "") else split.hostname
            port = f":{split.port}" if split.port else ""
            parts.append(f"{scheme} via {split.scheme}://{user}{host or ''}{port}")
        direct = self._table.get("no")
        return "; ".join(parts) + (f"; direct: {direct}" if direct else "")


def _parse(url: str) -> ProxyRoute:
    """The route to a proxy URL (`http://[user:password@]host[:port]`; scheme optional).

    Raises:
        httpx.ProxyError: the proxy URL is not an `http://` URL with a host.
    """
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or not parts.hostname:
        raise httpx.ProxyError(
            f"unsupported proxy {parts.scheme}://{parts.hostname or ''}: "
            "the engines speak to http:// proxies only"
        )
    authorization = None
    if parts.username is not None:
        user = urllib.parse.unquote(parts.username)
        secret = urllib.parse.unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        authorization = f"Basic {token}".encode()
    return ProxyRoute(parts.hostname, parts.port or 80, authorization)


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """Whether `NO_PROXY` sends `host` direct: `*`, the host itself or a parent domain
    (`example.com` and `.example.com` both cover `api.example.com`), optionally with `:port`,
    or an IP network such as `10.0.0.0/8`."""
    host = host.lower().strip("[]")
    for entry in (e.strip().lower() for e in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        if entry_port and entry_port != str(port):
            continue
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name) or _in_network(host, name):
            return True
    return False


def _has_port(entry: str) -> bool:
    head, sep, tail = entry.rpartition(":")
    return bool(sep) and tail.isdigit() and (entry.count(":") == 1 or head.endswith("]"))


def _in_network(host: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(network, strict=False)
    except ValueError:  # not an address, or not a network
        return False


async def open_tunnel(
    conn: H1Connection,
    host: str,
    port: int,
    route: ProxyRoute,
    context: ssl.SSLContext,
    answer_timeout: float,
) -> None:
    """Turn `conn`, connected to the proxy, into a TLS connection to `host:port`.

    Raises:
        httpx.ProxyError: the proxy refused the tunnel (its status is in the message).
    """
    target = f"{host}:{port}".encode()
    head = [b"CONNECT ", target, b" HTTP/1.1\r\nHost: ", target, b"\r\n"]
    if route.authorization is not None:
        head += (b"Proxy-Authorization: ", route.authorization, b"\r\n")
    request = httpx.Request("CONNECT", f"https://{host}:{port}")
    wire = b"".join([*head, b"\r\n"])
    answer = await conn.send(request, wire, answer_timeout, answer_timeout)
    if not 200 <= answer.status < 300:
        conn.close()
        raise httpx.ProxyError(
            f"the proxy refused the tunnel to {host}:{port}: "
            f"{answer.status} {answer.reason.decode('latin-1')}"
        )
    loop = asyncio.get_running_loop()
    plain = conn.transport
    tls = await loop.start_tls(plain, conn, context, server_hostname=host)
    if tls is None:  # only when the transport was closed meanwhile
        raise httpx.ProxyError(f"the proxy closed the tunnel to {host}:{port}")
    conn.connection_made(tls)
