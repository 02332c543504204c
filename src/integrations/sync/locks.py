"""One sync per integration at a time: a `sync_locks` row with an expiry.

The row is taken by an insert (the primary key is the integration), or by an update when
the holder's expiry has passed (its process died); both are single statements, so two
processes racing for it cannot both win. The holder renews the expiry while it runs, so a
crashed run's lock frees itself within `ttl_seconds` and another worker can resume.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from integrations.storage.db import Database
from integrations.storage.tables_sync import SyncLockRow
from integrations.sync.definition import SyncAlreadyRunningError

__all__ = ["DEFAULT_TTL_S", "SyncLock"]

DEFAULT_TTL_S = 45.0  # below the job lease (60 s): a retried job finds it expired


class SyncLock:
    """The lock of `integration`, held by this object's `owner` once `acquire()` succeeded."""

    def __init__(self, db: Database, integration: str, *, ttl_seconds: float = DEFAULT_TTL_S):
        self.db = db
        self.integration = integration
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self.owner = uuid.uuid4().hex

    async def acquire(self, now: dt.datetime) -> None:
        """Take the lock, or raise `SyncAlreadyRunningError` while another holder's is live."""
        row = SyncLockRow(
            integration=self.integration,
            owner=self.owner,
            acquired_at=now,
            expires_at=now + self.ttl,
        )
        try:
            async with self.db.sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            taken = await self._take_expired(now)
            if not taken:
                raise SyncAlreadyRunningError(
                    f"a sync of {self.integration} is already running",
                    integration=self.integration,
                ) from None

    async def _take_expired(self, now: dt.datetime) -> bool:
        async with self.db.sessions.begin() as session:
            result = await session.execute(
                update(SyncLockRow)
                .where(SyncLockRow.integration == self.integration, SyncLockRow.expires_at < now)
                .values(owner=self.owner, acquired_at=now, expires_at=now + self.ttl)
            )
        return bool(getattr(result, "rowcount", 0))

    async def renew(self, now: dt.datetime) -> bool:
        """Push the expiry out; False when the lock is no longer ours (it expired and was
        taken), in which case the run must stop writing."""
        async with self.db.sessions.begin() as session:
            result = await session.execute(
                update(SyncLockRow)
                .where(SyncLockRow.integration == self.integration, SyncLockRow.owner == self.owner)
                .values(expires_at=now + self.ttl)
            )
        return bool(getattr(result, "rowcount", 0))

    async def release(self) -> None:
        async with self.db.sessions.begin() as session:
            await session.execute(
                delete(SyncLockRow).where(
                    SyncLockRow.integration == self.integration, SyncLockRow.owner == self.owner
                )
            )
