"""Request URLs under a connector's base URL, built without re-parsing the base every time.

`httpx.URL(str)` validates and percent-encodes every character of the whole URL (≈ 20 µs, the
largest single cost of building a request). The base URL never changes, so it is parsed once;
a path made only of characters httpx would leave as they are is then joined to it directly.
Anything else (other characters, dot segments, an absolute URL, a query or fragment inside
the path) goes through httpx's own parser, so both ways give the same URL
(tests/integrations/core/test_urls.py checks that property).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["BaseURL"]

# Unreserved and sub-delimiter characters plus ':', '@' and '/': httpx quotes none of them
# in a path. '%' is left out on purpose (httpx re-encodes invalid escapes).
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*")


class BaseURL:
    """A parsed base URL that builds `httpx.URL`s for paths under it.

    Args:
        base: e.g. "https://api.pandadoc.com" (a path prefix such as "/v2" is kept).
    """

    def __init__(self, base: str) -> None:
        self.text = base.rstrip("/")
        self._url = httpx.URL(self.text)
        self._prefix = self._url.raw_path.decode("ascii").rstrip("/")
        # httpx keeps a parsed URL as a `ParseResult`; build from it only if it still does.
        parsed = getattr(self._url, "_uri_reference", None)
        usable = hasattr(parsed, "_replace") and not self._url.query and not self._url.fragment
        self._parsed: Any = parsed if usable else None

    def join(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.URL:
        """`base + path` with `params` as the query string, exactly as httpx would build it."""
        if path.startswith(("http://", "https://")):
            return httpx.URL(path, params=params or None) if params else httpx.URL(path)
        full = self._prefix + path
        if self._parsed is None or not _PLAIN_PATH.fullmatch(full) or _has_dot_segment(full):
            text = self.text + path
            return httpx.URL(text, params=params) if params else httpx.URL(text)
        query = str(httpx.QueryParams(params)) if params else None
        joined = httpx.URL.__new__(httpx.URL)
        # Positional, not `_replace`: a namedtuple's `_replace` costs four times as much.
        base = self._parsed
        joined._uri_reference = type(base)(
            base.scheme, base.userinfo, base.host, base.port, full, query, base.fragment
        )
        return joined


def _has_dot_segment(path: str) -> bool:
    """Whether `path` has a "." or ".." segment (httpx would remove it)."""
    return "/." in path and any(s in (".", "..") for s in path.split("/"))
