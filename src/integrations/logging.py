"""Structured logging: one structlog chain, secrets redacted, a trace id on every line.

The chain is contextvars → trace id → level filter → timestamp → exception text →
`RedactSecrets` → JSON (production, staging) or console (development). Redaction runs *after*
exceptions are rendered to text, so a secret inside an exception message or a URL is masked too.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import re
import sys
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from integrations.log_levels import LevelControl

__all__ = [
    "MASK",
    "OneLineErrors",
    "RedactSecrets",
    "bind_trace_id",
    "configure_logging",
    "current_trace_id",
    "get_logger",
    "log_enabled",
    "redact",
    "redact_text",
    "register_secret",
    "set_integration_level",
]

MASK = "***"

# Keys whose values are secrets wherever they appear (headers, bodies, settings, kwargs).
_SECRET_KEY = re.compile(
    r"(authorization|auth[-_]?token|token|secret|passw(or)?d|passwd|api[-_]?key|apikey|"
    r"cookie|signature|credential|private[-_]?key|session[-_]?id|client[-_]?secret|x-api-key)",
    re.IGNORECASE,
)
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[\w.-]*(?:token|secret|signature|passw(?:or)?d|api[-_]?key|apikey|"
    r"key|sig|credential|code)[\w.-]*)=)(?P<value>[^&#\s'\"]*)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(
    r"(?P<key>\b(?:(?:bearer|basic|api-key|token)\s+)+)(?P<value>[A-Za-z0-9._~+/=-]{4,})",
    re.IGNORECASE,
)
# `key: value` / `key=value` pairs inside free text (reprs, exception messages, headers dumps).
_KV_SECRET = re.compile(
    r"(?P<key>[\"']?[\w-]*(?:authorization|token|secret|passw(?:or)?d|api[-_]?key|apikey|cookie|"
    r"signature|credential)[\w-]*[\"']?\s*[:=]\s*)"
    r"(?:(?P<q>[\"'])(?P<quoted>.*?)(?P=q)|(?P<value>[^\s,;&})\]]+))",
    re.IGNORECASE,
)
# Text without any of these characters matches none of the three patterns above ...
_PLAIN = re.compile(r"[^?&;:=\s]*")
_QUERY_CHAR = re.compile(r"[?&;]")  # `_QUERY_SECRET` needs one of these
# ... and text without any of these words matches neither `_AUTH_SCHEME` nor `_KV_SECRET`.
_SECRET_WORD = re.compile(
    r"bearer|basic|token|authorization|secret|passw|api[-_]?key|apikey|cookie|signature|"
    r"credential",
    re.IGNORECASE,
)
_KNOWN_SECRETS: set[str] = set()
_MIN_KNOWN_SECRET = 6

_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)


def register_secret(value: str | SecretStr | None) -> None:
    """Remember a secret value so it is masked wherever it shows up in a log line.

    Short values are ignored: masking every "abc" in every line would destroy the logs.
    """
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if raw and len(raw) >= _MIN_KNOWN_SECRET:
        _KNOWN_SECRETS.add(raw)


def redact_text(text: str) -> str:
    """Mask known secret values, secret query parameters and auth header values in a string."""
    for secret in sorted(_KNOWN_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    # Fast exits, same result: ids, timestamps and most header values cannot match the
    # patterns below, and scanning them (`_KV_SECRET` backtracks on long words) is most of
    # the cost of redacting a request's headers.
    if _PLAIN.fullmatch(text):
        return text
    if _QUERY_CHAR.search(text):
        text = _QUERY_SECRET.sub(lambda m: m.group("key") + MASK, text)
    if not _SECRET_WORD.search(text):
        return text
    text = _AUTH_SCHEME.sub(lambda m: m.group("key") + MASK, text)
    return _KV_SECRET.sub(_mask_pair, text)


def _mask_pair(match: re.Match[str]) -> str:
    quote = match.group("q") or ""
    return f"{match.group('key')}{quote}{MASK}{quote}"


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: str) -> bool:
    # Keys repeat (header names, field names, log keys): remember the answer per key.
    return _SECRET_KEY.search(key) is not None


def redact(value: Any, *, _depth: int = 0) -> Any:
    """Return a copy of `value` with secrets masked at any depth (dicts, lists, strings)."""
    if _depth > 50:
        return MASK
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (MASK if _is_secret_key(str(k)) else redact(v, _depth=_depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, _depth=_depth + 1) for v in value]
    if isinstance(value, bytes):
        return redact_text(value.decode("utf-8", "replace"))
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(str(value))


class RedactSecrets:
    """structlog processor: masks secret-named keys and secret values in the whole event."""

    __slots__ = ()

    def __call__(self, logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
        return {
            key: (MASK if _is_secret_key(key) else redact(value))
            for key, value in event_dict.items()
        }


# The level filter of the current configuration and the runtime overrides; `log_enabled` asks
# it before a hot path builds an event (a dropped structlog call still costs a bound logger
# and a processor run).
_levels = LevelControl()


def log_enabled(level: int, integration: str) -> bool:
    """Whether a line of `level` (logging.INFO, ...) about `integration` would be written."""
    return _levels.filter.enabled(level, integration)


def set_integration_level(integration: str, level: str | None) -> None:
    """Apply an integration's runtime `log_level` (None: back to the process settings).

    It holds across later `configure_logging()` calls until it is set again."""
    _levels.set_level(integration, level)


def current_trace_id() -> str:
    """The trace id of the current request or job, created on first use."""
    value = _trace_id.get()
    if value is None:
        value = uuid.uuid4().hex
        _trace_id.set(value)
    return value


@contextlib.contextmanager
def bind_trace_id(trace_id: str | None = None) -> Iterator[str]:
    """Bind a trace id for the duration of a request or job (a new one unless given)."""
    token = _trace_id.set(trace_id or uuid.uuid4().hex)
    try:
        yield _trace_id.get() or ""
    finally:
        _trace_id.reset(token)


def _add_trace_id(logger: WrappedLogger, name: str, event_dict: EventDict) -> EventDict:
    event_dict.setdefault("trace_id", current_trace_id())
    return event_dict


# Libraries whose error lines are about failures we already report in our own events (a job's
# error in `jobs.run_finished`, a database outage in `database.unavailable`): their tracebacks
# would only repeat them, many lines per job or per poll while a database is down.
_ONE_LINE_LOGGERS = ("procrastinate",)


class OneLineErrors(logging.Filter):
    """Turns the exception of a record from one of `loggers` (and their children) into one
    `: Type: message` suffix instead of a traceback."""

    def __init__(self, loggers: tuple[str, ...]) -> None:
        super().__init__()
        self.loggers = loggers

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.exc_info
            and record.exc_info[1] is not None
            and any(record.name == n or record.name.startswith(f"{n}.") for n in self.loggers)
        ):
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def configure_logging(
    *,
    level: str = "INFO",
    fmt: str = "console",
    integration_levels: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog (and the stdlib root logger) for the whole process.

    Args:
        level: the global minimum level.
        fmt: "json" or "console".
        integration_levels: per-connector minimum levels, e.g. {"pandadoc": "DEBUG"}.
        stream: where lines go; stderr by default.
    """
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    level_filter = _levels.configure(level, integration_levels or {})
    processors: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_trace_id,
        level_filter,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        RedactSecrets(),
        renderer,
    ]
    structlog.configure(
        processors=processors,
        # The bound logger drops lines below every configured level before any processor
        # runs (nearly free); the filter processor then applies per-integration levels.
        wrapper_class=_levels.bound_logger(),
        logger_factory=structlog.WriteLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=stream or sys.stderr, force=True)
    for handler in logging.getLogger().handlers:  # basicConfig's, new at every call
        handler.addFilter(OneLineErrors(_ONE_LINE_LOGGERS))


def get_logger(**initial: Any) -> Any:
    """A structlog logger with `initial` values bound (e.g. integration="pandadoc").

    The logger is a lazy proxy: module-level loggers created at import time still follow
    the configuration `configure_logging()` sets later (redaction, format, levels).
    """
    return structlog.get_logger(**initial)
