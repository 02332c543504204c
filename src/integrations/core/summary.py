"""The call record of one logical call (what the log row and log line show).

`record_for` runs on the call path, so it only captures: the URL, the request's headers, the
first bytes of each body and the error. Redaction happens in `CallRecord.details()` when the
record is first read (the log line, if enabled, or the background batch writing the row).
"""

from __future__ import annotations

import functools
from typing import Any

import httpx2

from integrations.core.context import CallContext
from integrations.core.records import CallRecord, RedactedDetails
from integrations.errors import IntegrationError
from integrations.logging import redact, redact_text

__all__ = ["record_for"]

_BODY_PREVIEW = 500
_HEADERS_SHOWN = frozenset(
    {b"content-type", b"content-length", b"accept", b"user-agent", b"idempotency-key"}
)


def _preview(content: bytes) -> str:
    return redact_text(content.decode("utf-8", "replace"))


def _details(
    url: str,
    request_headers: tuple[tuple[bytes, bytes], ...],
    request_body: tuple[bytes, int],
    response: tuple[int, str | None, bytes, int] | None,
    error: IntegrationError | None,
    attempts: tuple[str, ...] = (),
) -> RedactedDetails:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request_headers}
    preview, size = request_body
    request_summary: dict[str, Any] = {
        "headers": redact(headers),
        "body_bytes": size,
        "body": _preview(preview),
    }
    if attempts:
        request_summary["attempts"] = list(attempts)
    response_summary: dict[str, Any] | None = None
    if response is not None:
        status, content_type, body, body_bytes = response
        response_summary = {
            "status": status,
            "content_type": content_type,
            "body_bytes": body_bytes,
            "body": _preview(body),
        }
    return RedactedDetails(
        url=redact_text(url),
        error_message=redact_text(str(error))[:500] if error is not None else None,
        request_summary=request_summary,
        response_summary=response_summary,
    )


def record_for(
    ctx: CallContext,
    request: httpx2.Request,
    response: httpx2.Response | None,
    error: IntegrationError | None,
    duration_ms: float,
    trace_id: str,
) -> CallRecord:
    """Build the call record; URL, bodies and error text are redacted when first read.

    The record keeps plain strings, bytes and tuples, not the request and response objects: a
    process without a database keeps the last 10,000 records in memory, and a graph of library
    objects per record made every garbage collection walk them (about 40 µs per call).
    """
    content = request.content if isinstance(request.stream, httpx2.ByteStream) else b""
    answer = None
    if response is not None:
        body = response.content
        kind = response.headers.get("content-type")
        answer = (response.status_code, kind, body[:_BODY_PREVIEW], len(body))
    shown = tuple((k, v) for k, v in request.headers.raw if k.lower() in _HEADERS_SHOWN)
    source = functools.partial(
        _details,
        str(request.url),
        shown,
        (content[:_BODY_PREVIEW], len(content)),
        answer,
        error,
        tuple(ctx.attempt_log),
    )
    return CallRecord(
        integration=ctx.integration,
        operation=ctx.operation,
        method=request.method,
        status_code=response.status_code if response is not None else None,
        success=error is None,
        duration_ms=duration_ms,
        retry_count=ctx.retry_count,
        cache_hit=ctx.cache_hit,
        is_mock=ctx.is_mock,
        trace_id=trace_id,
        error_class=type(error).__name__ if error is not None else None,
        source=source,
    )
