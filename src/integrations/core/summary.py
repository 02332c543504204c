"""The call record of one logical call (what the log row and log line show).

`record_for` runs on the call path, so it only captures: the URL, the request's headers, the
first bytes of each body and the error. Redaction happens in `CallRecord.details()` when the
record is first read (the log line, if enabled, or the background batch writing the row).
"""

from __future__ import annotations

import httpx2

from integrations.core.context import CallContext
from integrations.core.records import CallRecord, CapturedCall
from integrations.errors import CircuitOpenError, IntegrationError

__all__ = ["record_for"]

_BODY_PREVIEW = 500
_HEADERS_SHOWN = frozenset(
    {b"content-type", b"content-length", b"accept", b"user-agent", b"idempotency-key"}
)


def record_for(
    ctx: CallContext,
    request: httpx2.Request,
    response: httpx2.Response | None,
    error: IntegrationError | None,
    duration_ms: float,
    trace_id: str,
    cost: float = 0.0,
) -> CallRecord:
    """Build the call record; URL, bodies and error text are redacted when first read.

    The record keeps plain strings, bytes and tuples (`CapturedCall`), not the request, the
    response or the error: a process without a database keeps the last 10,000 records in
    memory, and any object graph per record makes every garbage collection walk them.

    Args:
        cost: the operation's declared cost per call; charged unless the call never reached
            the vendor (answered from the cache, or refused by an open breaker).
    """
    content = request.content if isinstance(request.stream, httpx2.ByteStream) else b""
    answer = None
    if response is not None:
        body = response.content
        kind = response.headers.get("content-type")
        answer = (response.status_code, kind, body[:_BODY_PREVIEW], len(body))
    shown = tuple((k, v) for k, v in request.headers.raw if k.lower() in _HEADERS_SHOWN)
    source = CapturedCall(
        str(request.url),
        shown,
        (content[:_BODY_PREVIEW], len(content)),
        answer,
        str(error) if error is not None else None,
        tuple(ctx.attempt_log),
        (ctx.limiter_waits, round(ctx.limiter_wait_seconds, 3)),
        tuple(ctx.breaker_decisions),
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
        error_code=error.code if error is not None else None,
        limiter_waits=ctx.limiter_waits,
        cache_lookup=ctx.cache_lookup,
        cost=0.0 if ctx.cache_hit or isinstance(error, CircuitOpenError) else cost,
        source=source,
    )
