"""The redacted call record of one logical call (what the log row and log line show)."""

from __future__ import annotations

from typing import Any

import httpx

from integrations.core.context import CallContext
from integrations.errors import IntegrationError
from integrations.logging import redact, redact_text
from integrations.telemetry.recorder import CallRecord

__all__ = ["record_for"]

_BODY_PREVIEW = 500
_HEADERS_SHOWN = ("content-type", "content-length", "accept", "user-agent", "idempotency-key")


def _preview(content: bytes) -> str:
    return redact_text(content[:_BODY_PREVIEW].decode("utf-8", "replace"))


def _request_summary(request: httpx.Request) -> dict[str, Any]:
    headers = {k: v for k, v in request.headers.items() if k.lower() in _HEADERS_SHOWN}
    content = request.content if isinstance(request.stream, httpx.ByteStream) else b""
    return {"headers": redact(headers), "body_bytes": len(content), "body": _preview(content)}


def _response_summary(response: httpx.Response) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "content_type": response.headers.get("content-type"),
        "body_bytes": len(response.content),
        "body": _preview(response.content),
    }


def record_for(
    ctx: CallContext,
    request: httpx.Request,
    response: httpx.Response | None,
    error: IntegrationError | None,
    duration_ms: float,
    trace_id: str,
) -> CallRecord:
    """Build the call record; URL, bodies and error text are redacted."""
    return CallRecord(
        integration=ctx.integration,
        operation=ctx.operation,
        method=request.method,
        url=redact_text(str(request.url)),
        status_code=response.status_code if response is not None else None,
        success=error is None,
        duration_ms=duration_ms,
        retry_count=ctx.retry_count,
        cache_hit=ctx.cache_hit,
        is_mock=ctx.is_mock,
        trace_id=trace_id,
        error_class=type(error).__name__ if error is not None else None,
        error_message=redact_text(str(error))[:500] if error is not None else None,
        request_summary=_request_summary(request),
        response_summary=_response_summary(response) if response is not None else None,
    )
