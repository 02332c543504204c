"""What every engine adapter shares: timeouts from the request, the httpx response it returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

__all__ = ["build_response", "header_triples", "raw_headers", "timeouts"]


def timeouts(request: httpx.Request, default: float) -> tuple[float, float, float, float]:
    """(connect, read, write, pool) seconds: the request's timeout extension, else `default`."""
    timeout: dict[str, float | None] = request.extensions.get("timeout") or {}
    read = float(timeout.get("read") or default)
    connect = float(timeout.get("connect") or min(read, default))
    return connect, read, float(timeout.get("write") or read), float(timeout.get("pool") or read)


def raw_headers(pairs: Sequence[tuple[bytes, bytes]] | Any) -> httpx.Headers:
    """`httpx.Headers(pairs)` for the byte pairs a parser hands over, built in one pass.

    httpx's constructor checks and converts every name and value; bytes from the wire need
    neither, so the (name, lowercased name, value) list httpx keeps is made directly. Anything
    other than byte pairs goes through httpx (test_engines.py checks both give equal headers).
    """
    if not pairs or not isinstance(pairs[0][0], bytes):
        return httpx.Headers(pairs)
    headers = httpx.Headers()
    headers._list = [(name, name.lower(), value) for name, value in pairs]
    return headers


def header_triples(headers: httpx.Headers) -> list[tuple[bytes, bytes, bytes]]:
    """httpx's own (name, lowercased name, value) list: `headers.raw` would copy it and the
    caller would lowercase every name again, on every call, for every answer."""
    return headers._list


def build_response(
    request: httpx.Request,
    status: int,
    headers: Sequence[tuple[bytes, bytes]] | Any,
    content: bytes,
    http_version: bytes,
    reason: bytes,
) -> httpx.Response:
    """The httpx response for a body read whole, with the server's headers exactly as sent.

    `stream=` (not `content=`): `content=` would add a Content-Length the server did not send.
    A body with no Content-Encoding is stored as already read, so `aread()` returns it at once
    instead of running it through httpx's (identity) decoder chain; an encoded body is left to
    `aread()`, which decodes it as httpx's own transport would.
    """
    parsed = raw_headers(headers)
    response = httpx.Response(
        status,
        headers=parsed,
        stream=httpx.ByteStream(content),
        request=request,
        extensions={"http_version": http_version, "reason_phrase": reason},
    )
    for _, lowered, _ in header_triples(parsed):
        if lowered == b"content-encoding":
            return response  # decoded by `aread()`
    response._content = content
    return response
