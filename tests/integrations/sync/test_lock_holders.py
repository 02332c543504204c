"""The sync lock's holders: a holder that is gone is replaced at once, a live one never, one
that cannot be checked only after its expiry; a run that lost its lock cannot commit."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import text, update

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.storage.tables_sync import SyncLockRow, SyncRunRow
from integrations.sync import SyncAlreadyRunningError, SyncEngine
from integrations.sync.definition import SyncLockLostError
from integrations.sync.holders import holder_is_dead, process_identity
from integrations.sync.locks import SyncLock, sync_is_running
from tests.integrations.sync import demo_sync


def _exited_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _identity_of(pid: int) -> str:
    host, namespace, _ = process_identity().split("|")
    return f"{host}|{namespace}|{pid}|0123456789abcdef"


def test_holder_is_dead_only_when_provably_gone() -> None:
    assert not holder_is_dead(_identity_of(os.getpid()))
    assert holder_is_dead(_identity_of(_exited_pid()))
    assert not holder_is_dead(f"elsewhere|pid:[1]|{_exited_pid()}|0123456789abcdef")
    assert not holder_is_dead("dead")  # an owner written by an older version: unknown
    zombie = subprocess.Popen(["sleep", "30"])
    os.kill(zombie.pid, signal.SIGKILL)
    try:
        deadline = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)
        while not holder_is_dead(_identity_of(zombie.pid)):  # killed, not reaped yet
            assert dt.datetime.now(dt.UTC) < deadline, "the killed process never showed as dead"
            time.sleep(0.01)  # polling inside the deadline
    finally:
        zombie.wait()


async def _leave_dead_run(services: Services, owner: str, now: dt.datetime) -> None:
    """What a killed process leaves: its lock row (45 s to go) and its `running` row."""
    async with services.db.sessions.begin() as session:
        session.add(
            SyncLockRow(
                integration=demo_sync.NAME,
                owner=owner,
                acquired_at=now,
                expires_at=now + dt.timedelta(seconds=45),
            )
        )
        session.add(
            SyncRunRow(
                integration=demo_sync.NAME,
                sync_type="full",
                status="running",
                started_at=now,
                stream_counts={},
            )
        )


async def test_a_killed_holders_lock_is_taken_at_once_and_its_run_closed(
    services: Services, factory: IntegrationFactory, clock: VirtualClock
) -> None:
    """No waiting for the expiry: on PostgreSQL nobody holds the advisory lock, on SQLite
    the owner's process has exited."""
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    await _leave_dead_run(services, _identity_of(_exited_pid()), now)
    assert not await sync_is_running(services.db, demo_sync.NAME, now)
    summary = await SyncEngine(services, factory, demo_sync.definition(), clock=clock).run("people")
    assert summary.status == "success"
    async with services.db.sessions() as session:
        dead = await session.get(SyncRunRow, 1)
    assert dead is not None and dead.status == "error"
    assert "interrupted" in (dead.error_summary or "")


async def test_sqlite_a_holder_that_cannot_be_checked_blocks_until_its_expiry(
    services: Services, factory: IntegrationFactory, clock: VirtualClock
) -> None:
    if not services.db.is_sqlite:
        pytest.skip("PostgreSQL decides by the advisory lock, not by the row's owner")
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    await _leave_dead_run(services, "otherhost|pid:[1]|4242|0123456789abcdef", now)
    engine = SyncEngine(services, factory, demo_sync.definition(), clock=clock)
    with pytest.raises(SyncAlreadyRunningError):
        await engine.run("people")
    clock.advance(46)
    assert (await engine.run("people")).status == "success"


async def test_postgresql_a_live_holder_keeps_the_lock_until_its_connection_ends(
    services: Services, factory: IntegrationFactory, clock: VirtualClock
) -> None:
    """Its row's expiry does not matter; once its session ends (as when its process is
    killed) the lock is taken at once, and the old holder can neither renew nor commit."""
    if services.db.is_sqlite:
        pytest.skip("SQLite has no session locks: the owner's PID and the expiry decide")
    now = dt.datetime.fromtimestamp(clock.now(), dt.UTC)
    holder = SyncLock(services.db, demo_sync.NAME)
    await holder.acquire(now)
    engine = SyncEngine(services, factory, demo_sync.definition(), clock=clock)
    try:
        clock.advance(3600)  # far past the row's expiry: the holder is alive all the same
        assert await sync_is_running(services.db, demo_sync.NAME, now)
        with pytest.raises(SyncAlreadyRunningError):
            await engine.run("people")
        assert holder._session is not None
        pid = await holder._session.scalar(text("SELECT pg_backend_pid()"))
        async with services.db.sessions() as session:
            await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert not await sync_is_running(services.db, demo_sync.NAME, now)
        assert (await engine.run("people")).status == "success"
        assert not await holder.renew(now)
        with pytest.raises(SyncLockLostError):
            async with services.db.sessions.begin() as session:
                await holder.fence(session)
    finally:
        await holder.release()


async def test_a_run_whose_lock_was_taken_over_cannot_commit(services: Services) -> None:
    now = dt.datetime.now(dt.UTC)
    lock = SyncLock(services.db, demo_sync.NAME)
    await lock.acquire(now)
    try:
        async with services.db.sessions.begin() as session:
            await lock.fence(session)  # ours: passes
        async with services.db.sessions.begin() as session:
            await session.execute(
                update(SyncLockRow)
                .where(SyncLockRow.integration == demo_sync.NAME)
                .values(owner="the|next|holder|0")
            )
        with pytest.raises(SyncLockLostError) as lost:
            async with services.db.sessions.begin() as session:
                await lock.fence(session)
        assert lost.value.code == "sync_lock_lost"
    finally:
        await lock.release()
