"""One sync per integration at a time, and a dead holder recognised at once.

The lock is a `sync_locks` row (what status pages show): taken by an insert (the primary
key is the integration) or by a compare-and-set on the owner of a row whose holder is gone.
Knowing the holder is gone:

- PostgreSQL: the holder also holds a session advisory lock on a connection of its own,
  kept for the whole run. The server drops it as soon as that connection closes (the
  process was killed, or the connection broke), so a contender that gets the advisory lock
  knows any row left is stale and takes it at once. Renewals go over that connection: when
  it broke, the renewal fails and the run learns it lost the lock.
- SQLite (one machine): the owner names the holder's host, PID namespace and PID; a
  contender on the same host takes the row at once when that process has exited.
- Otherwise (a holder that cannot be checked): the row's expiry, renewed while it runs.

Each batch commit calls `fence()` in its own transaction: it fails when the row is no
longer ours, so a run that lost its lock never writes after another run took it over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from integrations.logging import get_logger
from integrations.storage.db import Database
from integrations.storage.tables_sync import SyncLockRow
from integrations.sync.definition import SyncAlreadyRunningError, SyncLockLostError
from integrations.sync.holders import holder_is_dead, process_identity

__all__ = ["DEFAULT_TTL_S", "SyncLock", "advisory_key", "sync_is_running"]

DEFAULT_TTL_S = 45.0  # below the job lease (60 s): a retried job finds it expired
_NAMESPACE = 0x53594E43  # "SYNC": the first key of every sync advisory lock
_log = get_logger()


def advisory_key(integration: str) -> int:
    """The second key (a signed 32-bit int) of `integration`'s advisory locks."""
    digest = hashlib.blake2b(integration.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def sync_is_running(db: Database, integration: str, now: dt.datetime) -> bool:
    """Whether a live run holds the lock of `integration` (read-only: it never takes the
    lock, so checking cannot make a starting run fail)."""
    if not db.is_sqlite:
        key = advisory_key(integration) & 0xFFFFFFFF  # pg_locks shows it as an oid
        async with db.sessions() as session:
            held = await session.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
                    " AND database = (SELECT oid FROM pg_database"
                    "                 WHERE datname = current_database())"
                    " AND classid::bigint = :ns AND objid::bigint = :key AND objsubid = 2)"
                ),
                {"ns": _NAMESPACE, "key": key},
            )
        return bool(held)
    async with db.sessions() as session:
        row = await session.get(SyncLockRow, integration)
    return row is not None and row.expires_at > now and not holder_is_dead(row.owner)


class SyncLock:
    """The lock of `integration`, held by this object's `owner` once `acquire()` succeeded."""

    def __init__(self, db: Database, integration: str, *, ttl_seconds: float = DEFAULT_TTL_S):
        self.db = db
        self.integration = integration
        self.ttl = dt.timedelta(seconds=ttl_seconds)
        self.owner = f"{process_identity()}|{uuid.uuid4().hex[:16]}"
        self._session: AsyncConnection | None = None  # PostgreSQL: holds the advisory lock

    def _refused(self) -> SyncAlreadyRunningError:
        return SyncAlreadyRunningError(
            f"a sync of {self.integration} is already running", integration=self.integration
        )

    async def acquire(self, now: dt.datetime) -> None:
        """Take the lock, or raise `SyncAlreadyRunningError` while a live run holds it."""
        if not self.db.is_sqlite:
            await self._take_advisory()
            try:  # no live holder: a row left behind is a dead run's
                async with self.db.sessions.begin() as session:
                    await session.execute(delete(SyncLockRow).where(self._this_integration()))
                    session.add(self._row(now))
            except BaseException:
                await self._drop_advisory()
                raise
            return
        try:
            async with self.db.sessions.begin() as session:
                session.add(self._row(now))
        except IntegrityError:
            if not await self._take_stale(now):
                raise self._refused() from None

    def _row(self, now: dt.datetime) -> SyncLockRow:
        return SyncLockRow(
            integration=self.integration,
            owner=self.owner,
            acquired_at=now,
            expires_at=now + self.ttl,
        )

    def _this_integration(self) -> ColumnElement[bool]:
        return SyncLockRow.integration == self.integration

    async def _take_advisory(self) -> None:
        conn = await self.db.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            got = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:ns, :key)"),
                {"ns": _NAMESPACE, "key": advisory_key(self.integration)},
            )
        except BaseException:
            await conn.invalidate()
            await conn.close()
            raise
        if not got:
            await conn.close()
            raise self._refused()
        self._session = conn

    async def _drop_advisory(self) -> None:
        conn, self._session = self._session, None
        if conn is None:
            return
        try:
            await conn.execute(
                text("SELECT pg_advisory_unlock(:ns, :key)"),
                {"ns": _NAMESPACE, "key": advisory_key(self.integration)},
            )
        except Exception:  # the connection broke: closing it below frees the lock anyway
            await conn.invalidate()
        await conn.close()

    async def _take_stale(self, now: dt.datetime) -> bool:
        """SQLite: take the row when its holder's expiry passed or its process exited."""
        async with self.db.sessions() as session:
            row = await session.get(SyncLockRow, self.integration)
        if row is None:  # released meanwhile: insert again (once; a racer may win it)
            try:
                async with self.db.sessions.begin() as session:
                    session.add(self._row(now))
            except IntegrityError:
                return False
            return True
        if row.expires_at >= now and not holder_is_dead(row.owner):
            return False
        async with self.db.sessions.begin() as session:
            result = await session.execute(
                update(SyncLockRow)
                .where(self._this_integration(), SyncLockRow.owner == row.owner)
                .values(owner=self.owner, acquired_at=now, expires_at=now + self.ttl)
            )
        taken = bool(getattr(result, "rowcount", 0))
        if taken:
            _log.warning("sync.stale_lock_taken", integration=self.integration, dead=row.owner)
        return taken

    async def renew(self, now: dt.datetime) -> bool:
        """Push the expiry out; False when the lock is no longer ours (taken over, or the
        PostgreSQL connection holding it broke)."""
        statement = (
            update(SyncLockRow)
            .where(self._this_integration(), SyncLockRow.owner == self.owner)
            .values(expires_at=now + self.ttl)
        )
        if self._session is not None:
            try:
                renewed = await self._session.execute(statement)
            except Exception:
                return False
            return bool(renewed.rowcount)
        async with self.db.sessions.begin() as session:
            result = await session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def fence(self, session: AsyncSession) -> None:
        """In a batch's transaction: raise `SyncLockLostError` unless the lock is still
        ours. On PostgreSQL the row stays share-locked until that transaction ends, so a
        takeover waits for the batch instead of overlapping it."""
        owner = await session.scalar(
            select(SyncLockRow.owner).where(self._this_integration()).with_for_update(read=True)
        )
        if owner != self.owner:
            raise SyncLockLostError(
                f"the sync lock of {self.integration} was taken over; this run stops",
                integration=self.integration,
            )

    async def release(self) -> None:
        try:
            async with self.db.sessions.begin() as session:
                await session.execute(
                    delete(SyncLockRow).where(
                        self._this_integration(), SyncLockRow.owner == self.owner
                    )
                )
        finally:
            await self._drop_advisory()
