"""What `config check` says about outbound proxies: the ones httpx2 will use, masked.

httpx2 reads the proxy variables itself when a client is built; this only reads the same
variables to show them and to name one that no client can use (a `socks5://` proxy without
the socks extra, an unknown scheme), so the operator learns it before the first call fails.
"""

from __future__ import annotations

import urllib.request

import httpx2

__all__ = ["describe_proxies", "environment_proxies", "proxy_problems"]

_VARIABLES = {"https": "HTTPS_PROXY", "http": "HTTP_PROXY", "all": "ALL_PROXY"}


def environment_proxies() -> dict[str, str]:
    """Scheme ("https", "http", "all", "no") → value, as the standard library reads them."""
    found = urllib.request.getproxies()
    return {k: v for k, v in found.items() if k in (*_VARIABLES, "no") and v}


def proxy_problems(proxies: dict[str, str]) -> list[tuple[str, str]]:
    """(variable, why) for each proxy variable whose value no client can use."""
    problems: list[tuple[str, str]] = []
    for scheme, name in _VARIABLES.items():
        url = proxies.get(scheme)
        if url is None:
            continue
        shown = _masked(url)
        try:
            proxy = httpx2.Proxy(url if "://" in url else f"http://{url}")
        except (ValueError, TypeError) as exc:
            problems.append((name, f"unusable proxy {shown} ({exc})"))
            continue
        if proxy.url.scheme not in ("http", "https"):
            why = f"unsupported proxy {shown} (use an http:// or https:// proxy)"
            problems.append((name, why))
    return problems


def describe_proxies(proxies: dict[str, str]) -> str:
    """E.g. "https via http://***@proxy:3128; direct: localhost,.internal"."""
    routes = [f"{s} via {_masked(u)}" for s, u in proxies.items() if s != "no"]
    text = "; ".join(routes) or "none"
    if bypass := proxies.get("no"):
        text += f"; direct: {bypass}"
    return text


def _masked(url: str) -> str:
    scheme, sep, rest = url.rpartition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rpartition('@')[2]}"
