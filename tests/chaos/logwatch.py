"""Watching our own log lines during a storm: no traceback, only typed errors.

Every structlog event (our code) and every stdlib record (libraries under us) is kept. The
vendor side of the wire is not ours: a simulator that cuts a connection on purpose raises
`DroppedConnectionError` inside the served app, and uvicorn logs it on its own loggers, which
do not propagate to the root logger this watch listens on; the SMTP peer (aiosmtpd, logger
`mail.log`) is the vendor's side as well.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from structlog.testing import capture_logs

# Events that are errors by design while a vendor is down: each reports a typed failure
# in one line (the call record, a run that ended `error`), never a traceback.
EXPECTED_ERRORS = frozenset({"sync.run_failed"})
VENDOR_LOGGERS = ("uvicorn", "mail.log")


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class LogWatch:
    """The events and records seen so far."""

    events: list[MutableMapping[str, Any]] = field(default_factory=list)
    records: list[logging.LogRecord] = field(default_factory=list)

    def named(self, event: str) -> list[MutableMapping[str, Any]]:
        return [e for e in self.events if e.get("event") == event]

    def problems(self, allowed: frozenset[str] = EXPECTED_ERRORS) -> list[str]:
        """Every line that shows an unhandled exception or an unexpected error."""
        found: list[str] = []
        for e in self.events:
            name = str(e.get("event"))
            if e.get("exc_info") or "exception" in e or "Traceback" in repr(e):
                found.append(f"traceback in {name}: {e}")
            elif e.get("log_level") in {"error", "critical"} and name not in allowed:
                found.append(f"error event {name}: {e}")
        for r in (r for r in self.records if not r.name.startswith(VENDOR_LOGGERS)):
            if r.exc_info or "Traceback" in r.getMessage():
                found.append(f"traceback from {r.name}: {r.getMessage()}")
            elif r.levelno >= logging.ERROR:
                found.append(f"error from {r.name}: {r.getMessage()}")
        return found

    def assert_clean(self, allowed: frozenset[str] = EXPECTED_ERRORS) -> None:
        problems = self.problems(allowed)
        assert not problems, "\n".join(problems)


@contextmanager
def watch_logs() -> Iterator[LogWatch]:
    """Capture structlog events and root-logger records for the block."""
    handler = _Keep()
    root = logging.getLogger()
    root.addHandler(handler)
    watch = LogWatch(records=handler.records)
    try:
        with capture_logs() as events:
            watch.events = events
            yield watch
    finally:
        root.removeHandler(handler)
