"""Alert incidents: one notice when a problem starts, one when it ends, nothing in between.

An incident is the `alerts` row whose `dedupe_key` names the problem (`failure_rate:pandadoc`).
- `fire()` opens it and notifies every channel once. While it is open, a repeat only bumps
  `occurrences` and `last_seen_at`.
- `resolve()` closes it and sends one recovery notice.
- For `cooldown_seconds` after it closed, a repeat is counted on the closed row instead of
  opening a new incident, so a flapping condition does not page anyone every five minutes.

Dedupe lives in the database, not in memory, so any number of processes may fire the same
key. Each decision runs in one transaction that first takes a per-key lock:
- PostgreSQL: `pg_advisory_xact_lock` on a hash of the key. `SELECT ... FOR UPDATE` could
  not do it: there is no row to lock before the first incident, and migration 0005 has no
  partial unique index on open keys.
- SQLite: the transaction's first statement is the `UPDATE` that bumps an open row; even
  when it matches nothing it takes the database's single write lock, so the next process's
  transaction waits (busy timeout) and then sees the row this one inserted.

Notices are sent after the transaction commits (a slow receiver never holds the lock), and
each channel's result is appended to the row's `deliveries`. A crash between the two leaves
an incident whose `deliveries` is empty: visible, never a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import ColumnElement, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.logging import get_logger
from integrations.ops_config import AlertSettings
from integrations.storage.db import Database
from integrations.storage.tables import AlertRow
from integrations.telemetry.alert_channels import (
    AlertChannel,
    Delivery,
    EmailSender,
    channels_from_settings,
)

if TYPE_CHECKING:
    from integrations.services import Services

__all__ = ["AlertKind", "AlertManager", "AlertSignal", "alert_payload"]

AlertKind = Literal[
    "failure_rate",
    "health_degraded",
    "health_unhealthy",
    "breaker_open",
    "rate_limited",
    "token_refresh_failed",
    "job_failed",
    "budget_exceeded",
    "webhook_gaps",
]
Severity = Literal["info", "warning", "critical"]
_log = get_logger()


@dataclass(frozen=True, slots=True)
class AlertSignal:
    """A problem someone noticed; `AlertManager.fire` decides whether it is news."""

    kind: AlertKind
    integration: str | None
    severity: Severity
    message: str
    details: dict[str, Any] = field(default_factory=dict)


def alert_payload(row: AlertRow) -> dict[str, Any]:
    """The public view of an alert: the API's item and the webhook notice's `data`."""
    return {
        "id": row.id,
        "kind": row.kind,
        "integration": row.integration,
        "severity": row.severity,
        "status": row.status,
        "message": row.message,
        "dedupe_key": row.dedupe_key,
        "details": row.details or {},
        "occurrences": row.occurrences,
        "created_at": row.created_at.isoformat(),
        "last_seen_at": row.last_seen_at.isoformat() if row.last_seen_at else None,
        "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
        "deliveries": row.deliveries or [],
    }


def _lock_id(key: str) -> int:
    # A stable 64-bit id (Python's hash() differs per process).
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class AlertManager:
    """Opens, counts and closes incidents, and notifies the channels.

    Args:
        db: where incidents live.
        settings: thresholds, cooldown and channels (`INTEGRATIONS_ALERTS__*`).
        channels: where notices go (default: those the settings configure).
        now: the current UTC time (tests pass a virtual clock's).
    """

    def __init__(
        self,
        db: Database,
        settings: AlertSettings,
        *,
        channels: Sequence[AlertChannel] | None = None,
        now: Callable[[], dt.datetime] | None = None,
        email_sender: EmailSender | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        if channels is None:
            channels = channels_from_settings(settings, email_sender)
        self.channels = list(channels)
        self.now = now or (lambda: dt.datetime.now(dt.UTC))

    @classmethod
    def from_services(cls, services: Services) -> AlertManager:
        from integrations.telemetry.alert_email import ConnectorEmailSender

        sender = ConnectorEmailSender(services)
        return cls(services.db, services.settings.alerts, email_sender=sender)

    async def _locked_bump(self, session: AsyncSession, key: str, at: dt.datetime) -> bool:
        """Take the per-key lock and count a repeat on the open incident, if there is one."""
        if not self.db.is_sqlite:
            await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id(key)})
        bumped = await session.execute(
            update(AlertRow)
            .where(AlertRow.dedupe_key == key, AlertRow.status == "open")
            .values(occurrences=AlertRow.occurrences + 1, last_seen_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(bumped, "rowcount", 0))

    async def fire(self, signal: AlertSignal, *, dedupe_key: str) -> AlertRow | None:
        """Open an incident and notify once; None when it is a repeat (open or cooling down)."""
        at = self.now()
        async with self.db.sessions.begin() as session:
            if await self._locked_bump(session, dedupe_key, at):
                return None
            recent = await session.scalar(
                select(AlertRow)
                .where(AlertRow.dedupe_key == dedupe_key, AlertRow.status == "resolved")
                .where(
                    AlertRow.resolved_at
                    >= at - dt.timedelta(seconds=self.settings.cooldown_seconds)
                )
                .order_by(AlertRow.resolved_at.desc())
                .limit(1)
            )
            if recent is not None:
                recent.occurrences += 1
                recent.last_seen_at = at
                return None
            row = AlertRow(
                integration=signal.integration,
                kind=signal.kind,
                severity=signal.severity,
                status="open",
                message=signal.message,
                dedupe_key=dedupe_key,
                details=dict(signal.details),
                created_at=at,
                last_seen_at=at,
                occurrences=1,
                deliveries=[],
            )
            session.add(row)
        _log.warning(
            "alerts.fired", kind=signal.kind, integration=signal.integration, key=dedupe_key
        )
        return await self._notify(row, "alert.fired")

    async def resolve(self, dedupe_key: str, message: str) -> AlertRow | None:
        """Close the open incident of `dedupe_key` with one recovery notice (None: none open)."""
        row = await self._close_where(message, AlertRow.dedupe_key == dedupe_key)
        if row is None:
            return None
        _log.info("alerts.resolved", kind=row.kind, integration=row.integration, key=dedupe_key)
        return await self._notify(row, "alert.resolved")

    async def resolve_by_id(self, alert_id: int, message: str) -> AlertRow | None:
        """Close open alert `alert_id` by hand with one recovery notice.

        Returns None when this call closed nothing: no such alert, or it was already
        resolved (the caller tells the two apart).
        """
        row = await self._close_where(message, AlertRow.id == alert_id)
        return None if row is None else await self._notify(row, "alert.resolved")

    async def _close_where(self, message: str, match: ColumnElement[bool]) -> AlertRow | None:
        # One conditional UPDATE decides who closes the incident: a second process waits for
        # the row (PostgreSQL) or the write lock (SQLite), then matches nothing.
        at = self.now()
        async with self.db.sessions.begin() as session:
            closed = await session.scalar(
                update(AlertRow)
                .where(match, AlertRow.status == "open")
                .values(status="resolved", resolved_at=at)
                .returning(AlertRow.id)
                .execution_options(synchronize_session=False)
            )
            if closed is None:
                return None
            row = await session.get(AlertRow, closed, populate_existing=True)
            assert row is not None
            row.details = {**(row.details or {}), "resolution": message}
        return row

    async def send_test(self) -> list[Delivery]:
        """A test notice through every channel, each one's result returned (nothing stored)."""
        data = {
            "kind": "test",
            "message": "test notice from integrations alerts",
            "sent_at": self.now().isoformat(),
        }
        event_id = f"alert_test_{uuid.uuid4().hex}"
        return [await c.send(event_id, "alert.test", data) for c in self.channels]

    async def _notify(self, row: AlertRow, event_type: str) -> AlertRow:
        suffix = "fired" if event_type == "alert.fired" else "resolved"
        data = alert_payload(row)
        data.pop("deliveries")
        results = [
            (await c.send(f"alert_{row.id}_{suffix}", event_type, data)).as_dict()
            for c in self.channels
        ]
        async with self.db.sessions.begin() as session:
            # Lock the row before reading it (a no-op UPDATE: the row lock on PostgreSQL, the
            # write lock on SQLite), so two notices of one alert never overwrite each other.
            await session.execute(
                update(AlertRow)
                .where(AlertRow.id == row.id)
                .values(occurrences=AlertRow.occurrences)
                .execution_options(synchronize_session=False)
            )
            stored = await session.get(AlertRow, row.id, populate_existing=True)
            if stored is not None:
                stored.deliveries = [*(stored.deliveries or []), *results]
                row = stored
        return row

    async def evaluate(self, *, now: dt.datetime | None = None) -> list[AlertRow]:
        """Run the metric rules (`alert_rules`) once; the incidents opened or closed."""
        from integrations.telemetry.alert_rules import evaluate_rules

        return await evaluate_rules(self, now=now or self.now())
