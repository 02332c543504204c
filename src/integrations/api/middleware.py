"""The request middleware: one trace id per request, one log line, and a JSON 500.

Written as plain ASGI (not `BaseHTTPMiddleware`) so the trace id stays bound while an
unexpected exception is logged and answered: the 500 body and its `X-Trace-Id` header carry
the same id as the log line that explains it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.logging import bind_trace_id, get_logger

__all__ = ["TRACE_HEADER", "TraceMiddleware"]

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
                await _internal_error(send_with_trace, trace_id)
            _log.info(
                "api.request_completed",
                method=scope["method"],
                path=scope["path"],
                status=state["status"],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


async def _internal_error(send: Send, trace_id: str) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "internal_error",
                "message": "internal server error",
                "trace_id": trace_id,
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
