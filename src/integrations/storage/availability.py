"""Is the database answering? One state per process, logged when it changes.

During an outage every request and every worker poll fails the same way; logging each of
them buried the one useful fact under thousands of tracebacks. Callers report here instead:
the first failure logs `database.unavailable` with its reason, later ones only count the
requests refused, and the first success afterwards logs `database.recovered` with how long
it lasted and how many requests were refused meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc as sa_exc

from integrations.errors import IntegrationError
from integrations.logging import get_logger, redact_text

__all__ = [
    "DatabaseAvailability",
    "DatabaseUnavailableError",
    "caused_by_outage",
    "consume_result",
    "describe_outage",
    "error_line",
    "is_outage",
    "log_loop_failure",
]

_log = get_logger()
RETRY_AFTER_S = 5


class DatabaseUnavailableError(IntegrationError):
    """The database did not answer in time or refused connections; try again later."""

    http_status = 503
    code = "database_unavailable"

    def __init__(self, message: str, *, retry_after: int = RETRY_AFTER_S) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "retry_after": self.retry_after}


# PostgreSQL SQLSTATEs that say the server cannot serve, not that the statement is wrong:
# connection exceptions (08), insufficient resources (53: disk full, out of memory, too many
# connections), shutdown or start-up (57P), and a statement timeout (57014).
_PG_OUTAGE_STATES = ("08", "53", "57P", "57014")
# SQLite primary result codes of the same kind: busy, locked, I/O error, full, cannot open.
_SQLITE_OUTAGE_CODES = frozenset({5, 6, 10, 13, 14})


def is_outage(error: BaseException) -> bool:
    """True when `error` says the database is unreachable or stalled, not that a statement
    or a row is wrong: timeouts, refused or dropped connections, an exhausted pool, and
    the operational errors above. A deadlock or serialization failure is not an outage."""
    if isinstance(error, DatabaseUnavailableError | TimeoutError | OSError | sa_exc.TimeoutError):
        return True
    orig: object = error  # a driver error as raised, or inside SQLAlchemy's
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
            return False
        orig = error.orig
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _SQLITE_OUTAGE_CODES
    if orig is not error and hasattr(orig, "sqlstate"):
        state = getattr(orig, "sqlstate", None)  # psycopg; None: the client lost the server
        return state is None or str(state).startswith(_PG_OUTAGE_STATES)
    return False


def error_line(error: BaseException) -> str:
    """The driver's error class and first line, redacted: later lines of a driver error (and
    SQLAlchemy's own suffix) may echo a row's values or the statement's parameters."""
    inner = getattr(error, "orig", None) or error
    lines = str(inner).strip().splitlines()
    return redact_text(f"{type(inner).__name__}: {lines[0]}" if lines else type(inner).__name__)


def caused_by_outage(error: BaseException) -> bool:
    """`is_outage` for `error` or any error it was raised from (a library's own exception
    around a driver's, as procrastinate raises)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if is_outage(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def log_loop_failure(log: Any, event: str, error: BaseException, **fields: Any) -> None:
    """Log a background loop's failed turn: one warning line while the database is out
    (the loop tries again; a traceback per poll would bury the log), a traceback otherwise.
    Call it inside the `except` block."""
    if caused_by_outage(error):
        log.warning(event, error=error_line(error), **fields)
    else:
        log.exception(event, **fields)


def describe_outage(error: BaseException, timeout: float) -> str:
    """One line saying why the database is unavailable, without a traceback."""
    if isinstance(error, DatabaseUnavailableError):
        return error.message
    if isinstance(error, TimeoutError | sa_exc.TimeoutError):
        return f"no answer within {timeout:g} s"
    return error_line(error)


class DatabaseAvailability:
    """The up/down state of one database, as its users last saw it.

    Args:
        clock: monotonic seconds (injected by tests).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.down_since: float | None = None
        self.reason: str | None = None
        self.refused = 0

    @property
    def is_down(self) -> bool:
        return self.down_since is not None

    def failed(self, reason: str) -> None:
        """The database failed someone: the first failure of an outage is logged."""
        if self.down_since is None:
            self.down_since, self.reason, self.refused = self._clock(), reason, 0
            _log.warning("database.unavailable", reason=reason)

    def refuse(self) -> None:
        """A request was answered 503 because of the outage (the API counts each once)."""
        self.refused += 1

    def succeeded(self) -> None:
        """The database answered; ends an outage."""
        if self.down_since is None:
            return
        _log.info(
            "database.recovered",
            down_seconds=round(self._clock() - self.down_since, 1),
            refused_requests=self.refused,
            reason=self.reason,
        )
        self.down_since, self.reason = None, None


def consume_result(task: asyncio.Task[object]) -> None:
    """Done-callback for a task nobody awaits any more: its error was already reported."""
    if not task.cancelled():
        task.exception()
