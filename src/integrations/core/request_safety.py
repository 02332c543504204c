"""Requests safe by construction: clean credentials, clean headers, credentials kept home.

- A credential is stripped of surrounding whitespace (a pasted key often ends in a newline)
  and refused if it still holds CR, LF or NUL: such a value would end the header it is put in
  and start another one (`key\\r\\nX-Injected: yes`). The error names the credential, never
  its value.
- Every header value is checked again when the request is sent, whatever put it there (an
  OAuth token answer, a caller's header).
- A connector's base URL must be `https://` unless it is a loopback address (the
  simulators), and must be one of the hosts its spec allows when it declares them: a leaked
  admin token can then not point the API key at a host of its choosing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

import httpx2

from integrations.errors import ConfigError

__all__ = ["check_base_url", "check_headers", "clean_credentials", "is_loopback"]

_UNSAFE = re.compile(r"[\r\n\x00]")
_UNSAFE_BYTES = re.compile(rb"[\r\n\x00]")


def clean_credentials(credentials: Mapping[str, object], *, integration: str) -> dict[str, str]:
    """`credentials` as strings stripped of surrounding whitespace.

    Raises:
        ConfigError: a value holds CR, LF or NUL (named by key; the value is not shown).
    """
    cleaned: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for key, value in credentials.items():
        text = str(value).strip()
        if _UNSAFE.search(text):
            problems.append((f"credentials.{key}", "contains a line break or NUL character"))
        cleaned[key] = text
    if problems:
        raise ConfigError(f"{integration}: unusable credentials", problems=problems)
    return cleaned


def check_headers(headers: httpx2.Headers, *, integration: str) -> None:
    """Refuse a request whose header values hold CR, LF or NUL, naming the header."""
    for name, value in headers.raw:
        if _UNSAFE_BYTES.search(value):
            shown = name.decode("ascii", "replace")
            raise ConfigError(
                f"{integration}: header {shown} contains a line break or NUL character",
                problems=[(shown, "contains a line break or NUL character")],
            )


def is_loopback(host: str) -> bool:
    """Whether `host` is this machine: localhost, 127.0.0.0/8 or ::1."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, *, integration: str, allowed_hosts: Iterable[str] = ()) -> None:
    """Refuse a base URL credentials must not be sent to.

    Args:
        allowed_hosts: host names the connector may call ("*.example.com" allows
            subdomains); empty allows any https host. Loopback is always allowed.

    Raises:
        ConfigError: naming `base_url` and why.
    """
    parsed = httpx2.URL(url)
    host = parsed.host
    if is_loopback(host):
        return
    if parsed.scheme != "https":
        why = f"must be https:// (got {parsed.scheme}://); only loopback may use http://"
        raise ConfigError(f"{integration}: base_url {why}", problems=[("base_url", why)])
    allowed = tuple(allowed_hosts)
    if allowed and not any(_host_matches(host, pattern) for pattern in allowed):
        why = f"host {host!r} is not one of {', '.join(allowed)}"
        raise ConfigError(f"{integration}: base_url {why}", problems=[("base_url", why)])


def _host_matches(host: str, pattern: str) -> bool:
    host, pattern = host.lower().rstrip("."), pattern.lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern
