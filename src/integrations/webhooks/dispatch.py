"""Dispatch: what a handler receives, and the registry that finds the handlers of an event.

`worker.WebhookWorker` runs them; see there for transactions, retries and dead letters.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables_inbound import WebhookEventRow

__all__ = ["Handler", "HandlerRegistry", "InboxEvent", "to_event"]


@dataclass(frozen=True, slots=True)
class InboxEvent:
    """What a handler receives: the stored delivery, its body parsed."""

    id: int
    integration: str
    event_id: str
    event_type: str | None
    payload: Any
    headers: dict[str, Any]
    received_at: dt.datetime
    attempt: int


Handler = Callable[[InboxEvent, AsyncSession], Awaitable[None]]


class HandlerRegistry:
    """`register(integration, event_type, fn)`; event type "*" matches every type."""

    def __init__(self) -> None:
        self._handlers: dict[tuple[str, str], list[Handler]] = {}

    def register(self, integration: str, event_type: str, handler: Handler) -> None:
        self._handlers.setdefault((integration, event_type), []).append(handler)

    def for_event(self, integration: str, event_type: str | None) -> list[Handler]:
        exact = self._handlers.get((integration, event_type or ""), [])
        return exact + self._handlers.get((integration, "*"), [])


def to_event(row: WebhookEventRow) -> InboxEvent:
    """The handler's view of a stored event (a body that is not JSON gives payload None)."""
    try:
        payload: Any = json.loads(row.body)
    except ValueError:
        payload = None
    return InboxEvent(
        row.id,
        row.integration,
        row.event_id,
        row.event_type,
        payload,
        dict(row.headers or {}),
        row.received_at,
        row.attempts,
    )
