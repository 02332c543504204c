"""The request middleware: header limits, one trace id per request, one log line, a JSON 500.

Written as plain ASGI (not `BaseHTTPMiddleware`) so the trace id stays bound while an
unexpected exception is logged and answered: the 500 body and its `X-Trace-Id` header carry
the same id as the log line that explains it.

`HeaderLimitMiddleware` refuses a request with too many header fields or header bytes (431)
before anything reads them: uvicorn's httptools parser, which `serve` runs, has no limit of
its own, and reading 40,000 headers through Starlette's `Headers` mapping took 34 s of the
one event loop (each lookup scans the list), freezing every other request meanwhile.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.logging import bind_trace_id, current_trace_id, get_logger

__all__ = ["TRACE_HEADER", "HeaderLimitMiddleware", "TraceMiddleware", "send_error"]

TRACE_HEADER = "X-Trace-Id"
_log = get_logger()


def _incoming_trace_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"x-trace-id":
            text = bytes(value).decode("latin-1")
            if 0 < len(text) <= 64 and text.isprintable():
                return text
    return None


class TraceMiddleware:
    """Binds a trace id (the caller's `X-Trace-Id` when valid) for the whole request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with bind_trace_id(_incoming_trace_id(scope)) as trace_id:
            started = time.perf_counter()
            state: dict[str, Any] = {"status": 500, "started": False}

            async def send_with_trace(message: Message) -> None:
                if message["type"] == "http.response.start":
                    state["status"], state["started"] = message["status"], True
                    headers = list(message.get("headers", []))
                    headers.append((TRACE_HEADER.lower().encode(), trace_id.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            try:
                await self.app(scope, receive, send_with_trace)
            except Exception:
                _log.exception("api.request_failed", method=scope["method"], path=scope["path"])
                if state["started"]:
                    raise
                await _internal_error(send_with_trace)
            _log.info(
                "api.request_completed",
                method=scope["method"],
                path=scope["path"],
                status=state["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    *,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer in the API's error shape (`integrations.api.errors`) from plain ASGI code."""
    error = {"code": code, "message": message, "trace_id": current_trace_id()}
    body = json.dumps({"error": error}).encode()
    start = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send(
        {"type": "http.response.start", "status": status, "headers": start + (headers or [])}
    )
    await send({"type": "http.response.body", "body": body})


async def _internal_error(send: Send) -> None:
    await send_error(send, 500, "internal_error", "internal server error")


class HeaderLimitMiddleware:
    """Answers 431 to a request with more than `max_count` header fields, or more than
    `max_bytes` bytes of header names and values, and closes its connection.

    The count is checked first and costs nothing, so a flood of headers is refused in
    constant time; the byte total is then summed over at most `max_count` fields.
    """

    def __init__(self, app: ASGIApp, *, max_count: int, max_bytes: int) -> None:
        self.app = app
        self.max_count = max_count
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(scope["headers"])
            if problem is not None:
                await send_error(
                    send,
                    431,
                    "request_header_fields_too_large",
                    problem,
                    headers=[(b"connection", b"close")],
                )
                return
        await self.app(scope, receive, send)

    def _problem(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        if len(headers) > self.max_count:
            return f"more than {self.max_count} header fields"
        if sum(len(name) + len(value) for name, value in headers) > self.max_bytes:
            return f"header fields larger than {self.max_bytes} bytes in all"
        return None
