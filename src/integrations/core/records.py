"""What the pipeline writes after every call: the call record, and the protocols of its sinks.

`core` declares these and writes to them; `telemetry` and `storage` implement the sinks that
keep records in a database and aggregate metrics, so importing the pipeline loads neither.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from integrations.logging import redact, redact_text

__all__ = [
    "CallRecord",
    "CallRecorder",
    "CapturedCall",
    "MemoryCallRecorder",
    "MetricsSink",
    "RedactedDetails",
]


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class RedactedDetails:
    """The parts of a call record that may hold secrets, already redacted."""

    url: str
    error_message: str | None = None
    request_summary: dict[str, Any] | None = None
    response_summary: dict[str, Any] | None = None


class CapturedCall(NamedTuple):
    """What a call sent and got, captured unredacted on the call path: plain strings, bytes
    and numbers only, redacted when first read. The collector stops tracking the inner tuples
    at its first pass, so a kept record is a few tracked objects instead of a graph of request
    and response objects (the pipeline bench measured the difference: docs/decisions.md)."""

    url: str
    request_headers: tuple[tuple[bytes, bytes], ...]
    request_body: tuple[bytes, int]  # (first bytes, size)
    response: tuple[int, str | None, bytes, int] | None  # (status, type, first bytes, size)
    error_text: str | None
    attempts: tuple[str, ...] = ()
    limiter: tuple[int, float] = (0, 0.0)  # (times our rate limiter held it back, seconds)
    breaker: tuple[str, ...] = ()  # the breaker's decision per attempt (`CallContext`)


@dataclass(slots=True, eq=False)
class CallRecord:
    """What one logical call did.

    The URL, error text and body summaries are redacted when first read (`details()`), not
    on the call path: a call whose log line is off and whose row is written by a background
    batch never waits for the redaction regexes.
    """

    integration: str
    operation: str
    method: str
    status_code: int | None
    success: bool
    duration_ms: float
    retry_count: int
    cache_hit: bool
    is_mock: bool
    trace_id: str
    error_class: str | None = None
    error_code: str | None = None  # the error's stable `code` (e.g. token_refresh_failed)
    limiter_waits: int = 0  # times our own rate limiter held the call back
    cache_lookup: bool = False  # the cache was asked (a lookup without `cache_hit` is a miss)
    cost: float = 0.0  # the operation's declared cost (`ProviderSpec.operation_costs`)
    source: RedactedDetails | CapturedCall = RedactedDetails("")
    created_at: dt.datetime = field(default_factory=utcnow)

    def details(self) -> RedactedDetails:
        """The redacted URL, error message and summaries (computed once)."""
        source = self.source
        if isinstance(source, CapturedCall):
            source = self.source = _redact(source)
        return source

    @property
    def url(self) -> str:
        return self.details().url

    @property
    def error_message(self) -> str | None:
        return self.details().error_message

    @property
    def request_summary(self) -> dict[str, Any] | None:
        return self.details().request_summary

    @property
    def response_summary(self) -> dict[str, Any] | None:
        return self.details().response_summary

    def as_row(self) -> dict[str, Any]:
        """The `integration_call_logs` columns."""
        details = self.details()
        return {
            "integration": self.integration,
            "operation": self.operation,
            "method": self.method,
            "url": details.url,
            "status_code": self.status_code,
            "success": self.success,
            "duration_ms": self.duration_ms,
            "retry_count": self.retry_count,
            "cache_hit": self.cache_hit,
            "is_mock": self.is_mock,
            "trace_id": self.trace_id,
            "error_class": self.error_class,
            "error_message": details.error_message,
            "request_summary": details.request_summary,
            "response_summary": details.response_summary,
            "created_at": self.created_at,
        }


def _preview(content: bytes) -> str:
    return redact_text(content.decode("utf-8", "replace"))


def _redact(call: CapturedCall) -> RedactedDetails:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in call.request_headers}
    preview, size = call.request_body
    request_summary: dict[str, Any] = {
        "headers": redact(headers),
        "body_bytes": size,
        "body": _preview(preview),
    }
    if call.attempts:
        request_summary["attempts"] = list(call.attempts)
    if call.limiter[0]:
        request_summary["limiter"] = {"waits": call.limiter[0], "wait_seconds": call.limiter[1]}
    if call.breaker:
        request_summary["breaker"] = list(call.breaker)
    response_summary: dict[str, Any] | None = None
    if call.response is not None:
        status, content_type, body, body_bytes = call.response
        response_summary = {
            "status": status,
            "content_type": content_type,
            "body_bytes": body_bytes,
            "body": _preview(body),
        }
    error = call.error_text
    return RedactedDetails(
        url=redact_text(call.url),
        error_message=redact_text(error)[:500] if error is not None else None,
        request_summary=request_summary,
        response_summary=response_summary,
    )


class CallRecorder(Protocol):
    """Where call records go."""

    def record(self, record: CallRecord) -> None:
        """Accept a record without blocking the call."""
        ...

    async def flush(self) -> None:
        """Write everything accepted so far."""
        ...

    async def close(self) -> None:
        """Flush and stop."""
        ...


class MemoryCallRecorder:
    """Keeps the latest `max_records` records (tests, and processes without a database).

    Bounded so that a long-running process without a database does not grow without end.
    """

    def __init__(self, max_records: int = 10_000) -> None:
        self.records: deque[CallRecord] = deque(maxlen=max_records)

    def record(self, record: CallRecord) -> None:
        self.records.append(record)

    async def flush(self) -> None:
        return None

    async def close(self) -> None:
        return None


class MetricsSink(Protocol):
    """Where each finished call's record is counted (`telemetry.metrics.MetricsRecorder`)."""

    def observe(self, record: CallRecord) -> None:
        """Count one record without blocking the call."""
        ...
