"""Optional OpenTelemetry spans around every external call (and, in `jobs`, every job run).

Off unless the process turns it on (`INTEGRATIONS_OTEL_ENABLED=true`, with the `otel` extra
installed): then each logical call is one span `<integration>.<operation>` carrying the
integration, operation, method, URL path, status, retries, error code and our trace id
(`integrations.trace_id`, the id in logs, call records and `X-Trace-Id`), exported wherever
the process's OpenTelemetry SDK sends spans. While off, a call pays one `is None` check:
no tracer lookups on the hot path of a process that exports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from integrations.errors import ConfigError

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["annotate", "disable_tracing", "enable_tracing", "span", "tracing_enabled"]

_tracer: Tracer | None = None


def enable_tracing(provider: TracerProvider | None = None) -> None:
    """Start making spans, through `provider` (default: the process's global provider).

    Raises:
        ConfigError: `opentelemetry-api` is not installed (`pip install 'integrations[otel]'`).
    """
    global _tracer
    try:
        from opentelemetry import trace
    except ImportError:
        raise ConfigError(
            "INTEGRATIONS_OTEL_ENABLED is set but OpenTelemetry is not installed: "
            "pip install 'integrations[otel]' (and an SDK/exporter of your choice)"
        ) from None
    _tracer = trace.get_tracer("integrations", tracer_provider=provider)


def disable_tracing() -> None:
    """Stop making spans (tests, or a process that turns tracing off)."""
    global _tracer
    _tracer = None


def tracing_enabled() -> bool:
    return _tracer is not None


@contextmanager
def span(name: str, attributes: dict[str, Any]) -> Iterator[Span | None]:
    """A span named `name` while tracing is on (None otherwise); an exception leaving the
    block is recorded on it and marks it failed."""
    if _tracer is None:
        yield None
        return
    clean = {k: v for k, v in attributes.items() if v is not None}
    with _tracer.start_as_current_span(name, attributes=clean) as current:
        yield current


def annotate(attributes: dict[str, Any]) -> None:
    """Add `attributes` (None values skipped) to the current span, while tracing is on."""
    if _tracer is None:
        return
    from opentelemetry import trace

    trace.get_current_span().set_attributes({k: v for k, v in attributes.items() if v is not None})
