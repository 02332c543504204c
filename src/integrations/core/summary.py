"""The redacted call record of one logical call (what the log row and log line show).

Redaction is the costliest part of a call record: `redact_text` runs three regular
expressions over every string, about 10 µs even when there is nothing to mask, and every
call redacts its URL and both body previews. On ASCII text those expressions can only match
where one of `_TRIGGERS` occurs (case-insensitively), so a string with no trigger word and no
registered secret is returned unchanged without running them. The shortcut is taken only
while `integrations.logging` redacts exactly as it did when the words were read off its
patterns (`_REDACTION_DIGEST`); any change there turns it off and every string goes through
`redact_text` again.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from typing import Any

import httpx

from integrations import logging as _logging
from integrations.core.context import CallContext
from integrations.errors import IntegrationError
from integrations.logging import redact, redact_text
from integrations.telemetry.recorder import CallRecord

__all__ = ["record_for"]

_BODY_PREVIEW = 500
_HEADERS_SHOWN = frozenset(
    {"content-type", "content-length", "accept", "user-agent", "idempotency-key"}
)

# Every alternative of _QUERY_SECRET, _AUTH_SCHEME and _KV_SECRET contains one of these.
_TRIGGERS = re.compile(
    "key|sig|token|secret|passw|credential|code|bearer|basic|authorization|cookie"
)
_REDACTION_DIGEST = "790e31f7eb7c5fdf77e61accb14a0da2700cab689414e05f85a77430c489cefb"


def _redaction_digest() -> str:
    try:
        parts = [inspect.getsource(redact_text), inspect.getsource(redact), _logging.MASK]
        patterns = (
            _logging._QUERY_SECRET,
            _logging._AUTH_SCHEME,
            _logging._KV_SECRET,
            _logging._SECRET_KEY,
        )
    except (AttributeError, OSError, TypeError):  # no source, or the patterns moved
        return ""
    parts += [f"{p.pattern}\x00{p.flags}" for p in patterns]
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


_FAST = _redaction_digest() == _REDACTION_DIGEST


def _redact_text(text: str) -> str:
    """`redact_text(text)`, without its regexes when they provably cannot match."""
    if not text:
        return text
    if (
        _FAST
        and text.isascii()  # non-ASCII letters can case-fold onto ASCII ones: full path
        and _TRIGGERS.search(text.lower()) is None
        and not any(secret in text for secret in _logging._KNOWN_SECRETS)
    ):
        return text
    return redact_text(text)


def _redact_headers(headers: dict[str, str]) -> Any:
    """`redact(headers)` for a flat str -> str dict."""
    if not _FAST:
        return redact(headers)
    secret_key = _logging._SECRET_KEY
    return {
        k: (_logging.MASK if secret_key.search(k) else _redact_text(v)) for k, v in headers.items()
    }


def _preview(content: bytes) -> str:
    return _redact_text(content[:_BODY_PREVIEW].decode("utf-8", "replace"))


def _request_summary(request: httpx.Request) -> dict[str, Any]:
    headers = {k: v for k, v in request.headers.items() if k.lower() in _HEADERS_SHOWN}
    content = request.content if isinstance(request.stream, httpx.ByteStream) else b""
    return {
        "headers": _redact_headers(headers),
        "body_bytes": len(content),
        "body": _preview(content),
    }


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
        url=_redact_text(str(request.url)),
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
