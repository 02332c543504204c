"""Dry runs: a write is built, validated and shown, and never sent.

Inside `with dry_run():` every call's `CallContext.dry_run` is set. `DryRunLayer`, the
outermost layer of the pipeline, lets reads through (an operation may need them to build its
write, and they change nothing) and stops at the first write: it raises `DryRunCaptured`
holding exactly what would have gone out (method, URL, headers and body, secrets masked),
after the request was built with credentials and idempotency key and passed the header
safety check. Nothing below it runs: no rate-limit token is spent, the breaker sees nothing,
no call record is written, and a simulator's journal stays empty.

`DryRunCaptured` derives from `BaseException`, as `asyncio.CancelledError` does: it ends the
operation but is not a failure, so an operation's `except Exception` clean-up (an audit row
saying "failed", a rollback of the other side) does not run for it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx2

from integrations.core.context import DRY_RUN, call_context
from integrations.logging import redact, redact_text

__all__ = ["READS", "DryRunCaptured", "DryRunLayer", "captured_request", "dry_run"]

READS = frozenset({"GET", "HEAD", "OPTIONS"})


class DryRunCaptured(BaseException):  # a signal, like CancelledError: not an Exception
    """The write a dry run stopped at; `request` is its redacted, JSON-able description."""

    def __init__(self, request: dict[str, Any]) -> None:
        super().__init__(f"dry run: {request['method']} {request['url']} not sent")
        self.request = request


@contextlib.contextmanager
def dry_run(enabled: bool = True) -> Iterator[None]:
    """Mark every call started inside as a dry run (when `enabled`)."""
    token = DRY_RUN.set(enabled)
    try:
        yield
    finally:
        DRY_RUN.reset(token)


def _body(request: httpx2.Request) -> Any:
    content = request.content
    if not content:
        return None
    kind = request.headers.get("content-type", "")
    if "json" in kind:
        try:
            return redact(json.loads(content))
        except ValueError:
            pass
    return redact_text(content[:4096].decode("utf-8", "replace"))


def captured_request(request: httpx2.Request) -> dict[str, Any]:
    """What `request` would send: method, URL, headers and body with secrets masked."""
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return {
        "method": request.method,
        "url": redact_text(str(request.url)),
        "headers": redact(headers),
        "json": _body(request),
    }


class DryRunLayer(httpx2.AsyncBaseTransport):
    """Raises `DryRunCaptured` for a write of a dry-run call; everything else passes."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if call_context(request).dry_run and request.method.upper() not in READS:
            raise DryRunCaptured(captured_request(request))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
