"""Request URLs under a connector's base URL, and path parameters that stay one segment.

An id a caller or an AI agent passes (`tag="../../forms/VICTIM"`) must never change which
endpoint is called. `api_path()` percent-encodes every parameter as one path segment:
`/`, `?`, `#`, `%`, and the dot segments `.` and `..` all arrive as data, never as structure.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx2

__all__ = ["BaseURL", "api_path", "quote_segment"]

_FIELDS = string.Formatter()


def quote_segment(value: object) -> str:
    """`value` as one percent-encoded path segment.

    Every byte outside RFC 3986's unreserved set is encoded, so the segment has no `/`,
    `?`, `#` or raw `%`; "." and ".." (which a URL parser would resolve away) are encoded
    whole. An empty value would collapse two slashes into a different path, so it is refused.
    """
    text = str(value)
    if not text:
        raise ValueError("a path parameter may not be empty")
    if text in (".", ".."):
        return text.replace(".", "%2E")
    return quote(text, safe="")


def api_path(template: str, /, **params: object) -> str:
    """`template` with each `{name}` replaced by `params[name]` as one encoded segment.

    Args:
        template: e.g. "/forms/{form_id}/webhooks/{tag}"; names must match `params`.

    Raises:
        ValueError: a parameter is empty; KeyError: a name in the template has no value.
    """
    parts: list[str] = []
    for literal, name, _, _ in _FIELDS.parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(quote_segment(params[name]))
    return "".join(parts)


class BaseURL:
    """A connector's base URL, which builds the `httpx2.URL` of each path under it.

    Args:
        base: e.g. "https://api.pandadoc.com" (a path prefix such as "/v2" is kept).
    """

    def __init__(self, base: str) -> None:
        self.text = base.rstrip("/")
        self.url = httpx2.URL(self.text)

    @property
    def origin(self) -> tuple[str, str, int | None]:
        """(scheme, host, port): where this connector's credentials may be sent."""
        return _origin(self.url)

    def join(self, path: str, params: Mapping[str, Any] | None = None) -> httpx2.URL:
        """`base + path` with `params` as the query string; an absolute URL stays as it is."""
        text = path if path.startswith(("http://", "https://")) else self.text + path
        return httpx2.URL(text, params=params) if params else httpx2.URL(text)

    def owns(self, url: httpx2.URL) -> bool:
        """Whether `url` is on this base URL's origin (scheme, host and port)."""
        return _origin(url) == self.origin


def _origin(url: httpx2.URL) -> tuple[str, str, int | None]:
    default = {"https": 443, "http": 80}.get(url.scheme)
    return (url.scheme, url.host, url.port or default)
