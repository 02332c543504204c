"""The processes of the sync rate test: each runs one full PracticePanther sync through the
real engine, its limiter's windows in Redis under PREFIX (the budget they all share).

This launcher imports the application once and forks PROCESSES children (four cold
interpreters importing it at once took 5-20 s on a busy two-core machine). Each child keeps
its own SQLite database under FOLDER/p<i>: one sync per database runs at a time (the sync
lock), so several processes syncing at once stand for several workers, or installations,
calling one PracticePanther account. The launcher prints "ready" once every child has
built its client; the children start when the START file appears; the launcher then prints
each run's outcome as one JSON list and exits 1 if a child failed.

Usage: python -m tests.integrations.practicepanther.rate_sync_worker
           PROCESSES FOLDER KEY REDIS_URL PREFIX BASE LIMIT PERIOD PAGE_SIZE START
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from integrations.config import load_settings
from integrations.core.redis_state import RedisStateStore
from integrations.factory import IntegrationFactory
from integrations.logging import configure_logging
from integrations.services import Services
from integrations.storage.tables import Base
from integrations.sync.engine import SyncEngine
from tests.integrations.practicepanther.support import connect, small_pages

TIMEOUT_S = 120.0


def _wait_for(start: Path) -> None:
    """Block (in a thread, before the sync starts) until the test's go."""
    deadline = time.monotonic() + TIMEOUT_S
    while not start.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


async def sync_once(folder: Path, argv: list[str], ready: Any) -> dict[str, Any]:
    """Set up a database and a client (not timed), say ready, wait for the go, sync."""
    key, redis_url, prefix, base, limit, period, page_size, start = argv
    url = f"sqlite+aiosqlite:///{folder / 'sync.db'}"
    services = Services(load_settings(database_url=url, secret_key=key, var_dir=folder))
    async with services.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    window = {"limit": int(limit), "period_seconds": float(period)}
    await connect(services, base, rate_limits=[window])
    store = RedisStateStore.from_url(redis_url, prefix=prefix)
    factory = IntegrationFactory(services, store=store)
    try:
        await factory.get("practicepanther")
        engine = SyncEngine(services, factory, small_pages(int(page_size)))
        ready.put(("ready", str(folder)))
        await asyncio.to_thread(_wait_for, Path(start))
        summary = await engine.run("full")
    finally:
        await factory.close()
        await store.close()
        await services.close()
    return {"status": summary.status, "processed": summary.processed,
            "error": summary.error_message}  # fmt: skip


def _child(folder: Path, argv: list[str], messages: Any) -> None:
    try:
        outcome = asyncio.run(sync_once(folder, argv, messages))
    except BaseException:
        messages.put(("failed", traceback.format_exc()))
        raise
    messages.put(("done", outcome))


def main(argv: list[str]) -> int:
    processes, folder = int(argv[0]), Path(argv[1])
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    children = []
    for i in range(processes):
        own = folder / f"p{i}"
        own.mkdir(parents=True, exist_ok=True)
        child = context.Process(target=_child, args=(own, argv[2:], messages))
        child.start()
        children.append(child)
    outcomes: list[dict[str, Any]] = []
    failures: list[str] = []
    ready = 0
    try:
        while len(outcomes) + len(failures) < processes:
            kind, value = messages.get(timeout=TIMEOUT_S)
            if kind == "ready":
                ready += 1
                if ready == processes:
                    print("ready", flush=True)
            else:
                (outcomes if kind == "done" else failures).append(value)
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
    print(json.dumps(outcomes), flush=True)
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    configure_logging(level="WARNING")
    sys.exit(main(sys.argv[1:]))
