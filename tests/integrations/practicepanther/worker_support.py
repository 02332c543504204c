"""Shared by the crash and distributed sync tests: a gate in front of the simulator that
parks a sync on a chosen page, `integrations worker` processes, and reading a run's state
from the database while those processes write it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from integrations.services import Services
from integrations.storage.tables_sync import SyncLockRow, SyncRunRow, SyncStateRow

T = TypeVar("T")
DEADLINE_S = 90.0  # generous: worker start-up on a loaded 2-core machine
ROOT = Path(__file__).resolve().parents[3]


class PageGate:
    """ASGI wrapper of the simulator: once armed, requests to `path` from `$skip` >=
    `from_skip` on wait until `open()`; a request held that long is answered 503 (its
    client was killed meanwhile)."""

    def __init__(self, app: Any, path: str, from_skip: int, *, armed: bool = True) -> None:
        self.app, self.path, self.from_skip = app, path, from_skip
        self.holding = threading.Event()
        self._armed = threading.Event()
        self._opened = threading.Event()
        if armed:
            self._armed.set()

    def arm(self) -> None:
        self._armed.set()

    def open(self) -> None:
        self._opened.set()

    def _closed_to(self, scope: Any) -> bool:
        return (
            scope["type"] == "http"
            and scope["path"] == self.path
            and self._armed.is_set()
            and not self._opened.is_set()
        )

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._closed_to(scope):
            query = parse_qs(scope.get("query_string", b"").decode())
            if int(query.get("$skip", ["0"])[0]) >= self.from_skip:
                self.holding.set()
                await asyncio.to_thread(self._opened.wait)  # the test (or its teardown) opens
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def worker_env(tmp_path: Path, url: str, secret_key: str, runner: str) -> dict[str, str]:
    """What a worker needs: the database, the key the tokens are encrypted with, a short
    job lease (a killed worker's job is taken over within seconds), quick polling."""
    return {
        "INTEGRATIONS_DATABASE_URL": url,
        "INTEGRATIONS_SECRET_KEY": secret_key,
        "INTEGRATIONS_VAR_DIR": str(tmp_path / "var"),
        "INTEGRATIONS_JOBS__RUNNER": runner,
        "INTEGRATIONS_JOBS__LEASE_SECONDS": "3",
        "INTEGRATIONS_JOBS__POLL_SECONDS": "0.2",
        "INTEGRATIONS_LOGGING__LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL and reap (a zombie would still own its PID)."""
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def worker_logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("worker-*.log")))


async def wait_for(
    what: str,
    probe: Callable[[], Awaitable[T | None]],
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    *,
    seconds: float = DEADLINE_S,
) -> T:
    """Poll `probe` until it returns something, within `seconds`; fail early (with the
    workers' logs) when a worker exits on its own."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        for process in processes:
            if process.poll() not in (None, -signal.SIGKILL):
                pytest.fail(f"a worker exited with {process.returncode}:\n{worker_logs(tmp_path)}")
        await asyncio.sleep(0.1)  # a polling interval inside the deadline
    pytest.fail(f"no {what} within {seconds}s:\n{worker_logs(tmp_path)}")


async def runs(services: Services) -> list[SyncRunRow]:
    async with services.db.sessions() as session:
        return list(await session.scalars(select(SyncRunRow).order_by(SyncRunRow.id)))


async def committed_batch(services: Services, stream: str) -> dict[str, Any] | None:
    """The resume point of a full pass of `stream` while a run is still `running`: a
    batch of it has committed and the run has not finished."""
    async with services.db.sessions() as session:
        state = await session.scalar(
            select(SyncStateRow).where(
                SyncStateRow.integration == "practicepanther", SyncStateRow.stream == stream
            )
        )
        running = await session.scalar(
            select(SyncRunRow.id).where(SyncRunRow.status == "running").limit(1)
        )
    checkpoint = state.checkpoint if state is not None else None
    if running is None or not checkpoint or "full_high_water" not in checkpoint:
        return None
    return checkpoint


async def lock_holder_pid(services: Services) -> int | None:
    """The PID in the sync lock's owner (`host|pid-namespace|pid|random`)."""
    async with services.db.sessions() as session:
        owner = await session.scalar(
            select(SyncLockRow.owner).where(SyncLockRow.integration == "practicepanther")
        )
    return int(owner.split("|")[2]) if owner else None
