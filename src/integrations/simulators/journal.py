"""The request journal: every request a simulator received, for tests to assert on."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Journal", "RecordedRequest"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One received request, as it arrived, and the status it was answered with."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    status: int | None = None
    raw_path: str = ""  # as sent on the wire, percent-encoding kept (`path` is decoded)

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe form for the control API (a binary body is base64)."""
        try:
            body: str = self.body.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            body, encoding = base64.b64encode(self.body).decode(), "base64"
        return {
            "method": self.method,
            "path": self.path,
            "raw_path": self.raw_path,
            "query": self.query,
            "headers": self.headers,
            "body": body,
            "body_encoding": encoding,
            "received_at": self.received_at.isoformat(),
            "status": self.status,
        }


class Journal:
    """A bounded log of received requests (oldest dropped first).

    Args:
        capacity: how many requests to keep.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=capacity)

    def add(self, request: RecordedRequest) -> None:
        self._items.append(request)

    def answered(self, request: RecordedRequest, status: int) -> None:
        """Record the status `request` was answered with."""
        for index in range(len(self._items) - 1, -1, -1):
            if self._items[index] is request:
                self._items[index] = dataclasses.replace(request, status=status)
                return

    def all(self, *, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Received requests, oldest first, optionally filtered."""
        return [
            r
            for r in self._items
            if (method is None or r.method == method.upper()) and (path is None or r.path == path)
        ]

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
