"""What every engine adapter shares: timeouts from the request, the httpx response it returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

__all__ = ["build_response", "timeouts"]


def timeouts(request: httpx.Request, default: float) -> tuple[float, float, float, float]:
    """(connect, read, write, pool) seconds: the request's timeout extension, else `default`."""
    timeout: dict[str, float | None] = request.extensions.get("timeout") or {}
    read = float(timeout.get("read") or default)
    connect = float(timeout.get("connect") or min(read, default))
    return connect, read, float(timeout.get("write") or read), float(timeout.get("pool") or read)


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
    response = httpx.Response(
        status,
        headers=headers,
        stream=httpx.ByteStream(content),
        request=request,
        extensions={"http_version": http_version, "reason_phrase": reason},
    )
    if "content-encoding" not in response.headers:
        response._content = content
    return response
